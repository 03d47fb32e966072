import { ReflectionJsonReader, ReflectionJsonWriter, ReflectionTypeCheck, reflectionEquals, type IMessageType, type JsonObject, type UnknownMessage } from '@protobuf-ts/runtime';
import { useReflectionExtras, type ReflectionExtras } from './message-type';

interface Helpers {
  reader: ReflectionJsonReader;
  writer: ReflectionJsonWriter;
  check: ReflectionTypeCheck;
}

const helpers = new WeakMap<IMessageType<object>, Helpers>();

function of(type: IMessageType<object>): Helpers {
  let h = helpers.get(type);
  if (!h) {
    h = { reader: new ReflectionJsonReader(type), writer: new ReflectionJsonWriter(type), check: new ReflectionTypeCheck(type) };
    helpers.set(type, h);
  }
  return h;
}

/** protobuf-ts's own reflection JSON reader and writer, type check and equality. */
export const REFLECTION_EXTRAS: ReflectionExtras = {
  readJson: (type, json, options, target) => of(type).reader.read(json as JsonObject, target, options),
  writeJson: (type, message, options) => of(type).writer.write(message, options),
  is: (type, value, depth, loose) => of(type).check.is(value, depth, loose),
  equals: (type, a, b) => reflectionEquals(type, a as UnknownMessage | undefined, b as UnknownMessage | undefined),
};

/**
 * Gives every message type of the binary codec the protobuf JSON mapping, type checks and
 * equality (idempotent). The local coordinator calls it when it starts, since it serves
 * Twirp's JSON flavour too; the SDK never does, so browsers do not download that code.
 */
export function enableReflectionExtras(): void {
  useReflectionExtras(REFLECTION_EXTRAS);
}
