import {
  binaryReadOptions,
  binaryWriteOptions,
  jsonReadOptions,
  jsonWriteOptions,
  MESSAGE_TYPE,
  normalizeFieldInfo,
  ReflectionBinaryReader,
  ReflectionBinaryWriter,
  reflectionCreate,
  reflectionMergePartial,
} from '@protobuf-ts/runtime';
import type {
  BinaryReadOptions,
  BinaryWriteOptions,
  FieldInfo,
  IBinaryReader,
  IBinaryWriter,
  IMessageType,
  JsonReadOptions,
  JsonValue,
  JsonWriteOptions,
  JsonWriteStringOptions,
  PartialFieldInfo,
  PartialMessage,
} from '@protobuf-ts/runtime';

/**
 * What the binary codec leaves out, supplied on demand by {@link useReflectionExtras}: the
 * protobuf JSON mapping, type checks and deep equality of messages of any type.
 */
export interface ReflectionExtras {
  /** Reads `json` (already known to be a JSON object) into `target`, a message of `type`. */
  readJson<T extends object>(type: IMessageType<T>, json: JsonValue, options: JsonReadOptions, target: T): void;
  /** Writes `message` of `type` as its protobuf JSON value. */
  writeJson<T extends object>(type: IMessageType<T>, message: T, options: JsonWriteOptions): JsonValue;
  /** Whether `value` has the shape of a message of `type` (`loose`: excess properties allowed). */
  is<T extends object>(type: IMessageType<T>, value: unknown, depth: number, loose: boolean): boolean;
  /** Deep equality of two messages of `type`. */
  equals<T extends object>(type: IMessageType<T>, a: T | undefined, b: T | undefined): boolean;
}

let extras: ReflectionExtras | undefined;

/**
 * Adds the protobuf JSON mapping, type checks and deep equality to every message type of the
 * binary codec. The SDK never needs them (it speaks binary protobuf, and the well-known types
 * `Struct` and `Timestamp` carry their own JSON code); the local coordinator, which also
 * serves Twirp's JSON flavour, does. `undefined` takes them away again.
 */
export function useReflectionExtras(value: ReflectionExtras | undefined): void {
  extras = value;
}

function need(type: { typeName: string }, what: string): ReflectionExtras {
  if (extras) return extras;
  throw new Error(`${type.typeName}: ${what} is not part of the binary protobuf codec (see useReflectionExtras in src/codec)`);
}

const baseDescriptors = Object.getOwnPropertyDescriptors(Object.getPrototypeOf({}));
const typeDescriptor: PropertyDescriptor = {};
baseDescriptors[MESSAGE_TYPE as unknown as string] = typeDescriptor;

/**
 * A message type of the binary protobuf codec: protobuf-ts's `MessageType`, built from the same
 * runtime parts (reflection-driven create, merge, binary reader and writer) but without the
 * JSON reader and writer, the type check and the equality that protobuf-ts's class always
 * carries. Generated code in `gen/` extends this class instead of protobuf-ts's (the build
 * and the test runner resolve the runtime import of `gen/` to `src/codec/runtime.ts`); the
 * binary wire format and the created objects are exactly protobuf-ts's, and the rest is
 * supplied by {@link useReflectionExtras} where it is wanted.
 */
export class MessageType<T extends object> implements IMessageType<T> {
  /** The protobuf type name, e.g. `stream.video.coordinator.v1.Event`. */
  readonly typeName: string;
  /** The normalized field information. */
  readonly fields: readonly FieldInfo[];
  /** Options of the message (custom options from the schema). */
  readonly options: { [extensionName: string]: JsonValue };
  /** The prototype of created messages, holding this type under `MESSAGE_TYPE`. */
  readonly messagePrototype: Readonly<object>;
  private readonly binaryReader: ReflectionBinaryReader;
  private readonly binaryWriter: ReflectionBinaryWriter;

  constructor(name: string, fields: readonly PartialFieldInfo[], options?: { [extensionName: string]: JsonValue }) {
    this.typeName = name;
    this.fields = fields.map(normalizeFieldInfo);
    this.options = options ?? {};
    typeDescriptor.value = this;
    this.messagePrototype = Object.create(null, baseDescriptors) as object;
    this.binaryReader = new ReflectionBinaryReader(this);
    this.binaryWriter = new ReflectionBinaryWriter(this);
  }

  /** A new message with every field at its default, merged with `value` when given. */
  create(value?: PartialMessage<T>): T {
    const message = reflectionCreate(this);
    if (value !== undefined) reflectionMergePartial(this, message, value);
    return message;
  }

  /** A copy of `message` (unknown fields are dropped). */
  clone(message: T): T {
    return this.create(message as PartialMessage<T>);
  }

  /** Copies the fields of `source` into `target`. */
  mergePartial(target: T, source: PartialMessage<T>): void {
    reflectionMergePartial(this, target, source);
  }

  /** Reads a message from the binary format. */
  fromBinary(data: Uint8Array, options?: Partial<BinaryReadOptions>): T {
    const opt = binaryReadOptions(options);
    return this.internalBinaryRead(opt.readerFactory(data), data.byteLength, opt);
  }

  /** Writes a message in the binary format. */
  toBinary(message: T, options?: Partial<BinaryWriteOptions>): Uint8Array {
    const opt = binaryWriteOptions(options);
    return this.internalBinaryWrite(message, opt.writerFactory(), opt).finish();
  }

  /** Reads `length` bytes of `reader` into `target` (or a new message). */
  internalBinaryRead(reader: IBinaryReader, length: number, options: BinaryReadOptions, target?: T): T {
    const message = target ?? this.create();
    this.binaryReader.read(reader, message, options, length);
    return message;
  }

  /** Appends `message` to `writer` and returns the writer. */
  internalBinaryWrite(message: T, writer: IBinaryWriter, options: BinaryWriteOptions): IBinaryWriter {
    this.binaryWriter.write(message, writer, options);
    return writer;
  }

  /** Reads a message from its JSON value (well-known types always; others with the extras). */
  fromJson(json: JsonValue, options?: Partial<JsonReadOptions>): T {
    return this.internalJsonRead(json, jsonReadOptions(options));
  }

  /** Reads a message from a JSON string. */
  fromJsonString(json: string, options?: Partial<JsonReadOptions>): T {
    return this.fromJson(JSON.parse(json) as JsonValue, options);
  }

  /** Writes a message as its JSON value (well-known types always; others with the extras). */
  toJson(message: T, options?: Partial<JsonWriteOptions>): JsonValue {
    return this.internalJsonWrite(message, jsonWriteOptions(options));
  }

  /** Writes a message as a JSON string. */
  toJsonString(message: T, options?: Partial<JsonWriteStringOptions>): string {
    return JSON.stringify(this.toJson(message, options), null, options?.prettySpaces ?? 0);
  }

  /** Reads a JSON value into `target` (or a new message); overridden by well-known types. */
  internalJsonRead(json: JsonValue, options: JsonReadOptions, target?: T): T {
    const codec = need(this, 'JSON');
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new Error(`Unable to parse message ${this.typeName} from JSON ${json === null ? 'null' : Array.isArray(json) ? 'array' : typeof json}.`);
    }
    const message = target ?? this.create();
    codec.readJson(this, json, options, message);
    return message;
  }

  /** Writes a message as a JSON value; overridden by well-known types. */
  internalJsonWrite(message: T, options: JsonWriteOptions): JsonValue {
    return need(this, 'JSON').writeJson(this, message, options);
  }

  /** Whether `arg` is a message of this type with no excess properties. */
  is(arg: unknown, depth = 16): arg is T {
    return need(this, 'is()').is(this, arg, depth, false);
  }

  /** Whether `arg` is assignable to a message of this type. */
  isAssignable(arg: unknown, depth = 16): arg is T {
    return need(this, 'isAssignable()').is(this, arg, depth, true);
  }

  /** Deep equality of two messages of this type. */
  equals(a: T | undefined, b: T | undefined): boolean {
    return need(this, 'equals()').equals(this, a, b);
  }
}
