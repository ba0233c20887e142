/**
 * Module data proven never to change after load: a `const` the module does
 * not export, whose initializer makes a value no other code holds
 * (`fresh-value.ts`), and which every reference in the module only reads,
 * through every alias (`read-only-use.ts`). The runtime keys such a value
 * once per process, by identity, instead of walking it on every call; so a
 * doubt is never a proof: the binding then counts by value on every call.
 */
import * as t from "@babel/types";
import type { Binding, ModuleScopes } from "../syntax/index.js";
import { isFresh, isLiteral } from "./fresh-value.js";
import { onlyRead, type ReadWalk } from "./read-only-use.js";
import { unknowableConstructs } from "./unknowable.js";

const proofs = new WeakMap<Binding, boolean>();
const opaque = new WeakMap<ModuleScopes, boolean>();

/** Whether the data of module binding `binding` never changes after the module has loaded. */
export function unchangingAfterLoad(binding: Binding): boolean {
  let proven = proofs.get(binding);
  if (proven === undefined) {
    proven = prove(binding);
    proofs.set(binding, proven);
  }
  return proven;
}

function prove(binding: Binding): boolean {
  const scopes = binding.scope.module;
  const declarator = binding.node;
  if (!binding.scope.isProgram || declarator.type !== "VariableDeclarator" || declarator.id.type !== "Identifier")
    return false;
  const declaration = scopes.parentOf(declarator);
  if (declaration?.type !== "VariableDeclaration" || declaration.kind !== "const") return false;
  // An importer could change exported data.
  if (scopes.parentOf(declaration)?.type === "ExportNamedDeclaration") return false;
  if (binding.violations.some((violation) => violation !== declarator)) return false;
  // A literal (`const RATE = 3`) keys in no time: nothing to remember.
  if (isLiteral(declarator.init)) return false;
  if (!isFresh(declarator.init, scopes) || hidesUses(scopes)) return false;
  const walk: ReadWalk = { scopes, callbacks: new Set(), followed: new Set([binding]) };
  return binding.references.every((reference) => onlyRead(reference, walk));
}

/**
 * Code whose reach no walk over references sees: `eval`, `new Function`,
 * writes to globals (`unknowable.ts`), and `with`, which turns any name into
 * a property of an object.
 */
function hidesUses(scopes: ModuleScopes): boolean {
  let hides = opaque.get(scopes);
  if (hides === undefined) {
    hides = unknowableConstructs(scopes).length > 0;
    if (!hides) {
      t.traverseFast(scopes.program.block, (node) => {
        if (node.type === "WithStatement") hides = true;
      });
    }
    opaque.set(scopes, hides);
  }
  return hides;
}
