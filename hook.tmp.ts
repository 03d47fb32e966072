import { Event } from './gen/stream/video/coordinator/v1/events';
import { Struct } from './gen/google/protobuf/struct';
import { MessageType } from './src/codec/message-type';
console.log(Event instanceof MessageType, Struct instanceof MessageType);
const s = Struct.fromJson({ a: 1, b: [true, 'x'] });
console.log(Struct.toJson(Struct.fromBinary(Struct.toBinary(s))));
try { Event.toJson(Event.create()); } catch (e) { console.log((e as Error).message); }
