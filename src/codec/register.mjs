// `node --import tsx --import ./src/codec/register.mjs …`: resolves gen/'s protobuf runtime to
// the binary codec (see ./resolve-hook.mjs), as the build does.
import { register } from 'node:module';

register('./resolve-hook.mjs', import.meta.url);
