// @ts-check
/**
 * A typedoc plugin for protobuf-ts's generated messages, and for readable signatures.
 *
 * protobuf-ts declares each message twice under one name: `interface User { ...fields }`
 * and `const User: User$Type = new User$Type()` (the MessageType that encodes it). The SDK
 * re-exports the pair as a type (`export type { User } from '../gen/...'`), and typedoc
 * turns the const's half into a type alias `User = User$Type` with no fields, which every
 * reference to `User` then links to. This plugin removes that alias when an interface of the
 * same name sits beside it, so the page is the interface with its fields and every link to
 * `User` lands there. The MessageType itself is not part of the SDK's public API.
 *
 * typedoc renders a signature's type-parameter constraint from the resolved type, so
 * `on<K extends StreamEventName>` shows as `K extends "custom" | "call.created" | ...`. The
 * plugin renders a constraint written as a named type (an alias, an interface) as written.
 *
 * `StreamCoordinatorClient` gets one method per RPC from a mapped type over the generated
 * client's interface: TypeScript carries the schema's comment of each RPC over to the
 * method, but typedoc does not see it there. The plugin gives each such signature that
 * comment, so every RPC is documented where the schema documents it.
 */
import ts from 'typescript';
import { Comment, Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_TYPE_PARAMETER, (context, param) => {
    const declaration = context.getSymbolFromReflection(param)?.declarations?.find(ts.isTypeParameterDeclaration);
    if (declaration?.constraint && ts.isTypeReferenceNode(declaration.constraint)) {
      param.type = context.converter.convertType(context.withScope(param), declaration.constraint);
    }
  });
  app.converter.on(Converter.EVENT_CREATE_SIGNATURE, (context, signature) => {
    const method = signature.parent;
    if (signature.comment || !method || method.parent?.name !== 'StreamCoordinatorClient' || !method.kindOf(ReflectionKind.Method)) return;
    // The schema's comment, which the mapped type carries over from the generated client's method.
    const symbol = context.getSymbolFromReflection(method);
    const text = symbol
      ? ts
          .displayPartsToString(symbol.getDocumentationComment(context.checker))
          .replace(/\s*@generated[^\n]*$/, '')
          .trim()
      : '';
    if (!text) return;
    signature.comment = new Comment([
      { kind: 'text', text: `${text}\n\nSent through the SDK's interceptors (see \`Rpc\`); rejects with a \`StreamVideoError\`.` },
    ]);
  });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const alias of project.getReflectionsByKind(ReflectionKind.TypeAlias)) {
      if (!(alias instanceof Object) || !('type' in alias)) continue;
      const type = /** @type {import('typedoc').DeclarationReflection} */ (alias).type;
      if (type?.type !== 'reference' || !type.name.endsWith('$Type')) continue;
      const siblings = alias.parent && 'children' in alias.parent ? (/** @type {import('typedoc').ContainerReflection} */ (alias.parent).children ?? []) : [];
      if (!siblings.some((s) => s !== alias && s.name === alias.name && s.kindOf(ReflectionKind.Interface))) continue;
      project.removeReflection(alias);
    }
  });
}
