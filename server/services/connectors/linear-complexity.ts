import fs from "node:fs";
import path from "node:path";
import {
  buildSchema,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";

// Linear's published rule for the cost of one query (linear.app/developers/rate-limiting): each
// property 0.1 point, each object 1 point, a connection multiplies the cost of what it selects by its
// page size (`first`/`last`, default 50), the total rounded up; a query over 10,000 points is refused
// outright and every point counts against the token's hourly complexity budget. We compute the same
// figure (a) before sending, so page sizes are chosen to stay far below the cap and the sync knows
// whether the budget covers its next page, and (b) in the simulator, which enforces the cap.
//
// Where the rule is silent we take the costlier reading, so our figure is never below Linear's:
// a connection's `pageInfo` is multiplied with its `nodes`, and a list of objects (`nodes`) costs one
// object per item. With this reading the old SyncIssues (issues 100, labels 25, inverseRelations 50)
// comes to 20,761 points, as measured by the product owner (≈ 20,700).

export const LINEAR_MAX_COMPLEXITY = 10_000;
const DEFAULT_PAGE = 50;

let schema: GraphQLSchema | undefined;
/** Linear's published SDL (vendored), built once. */
export function linearSdlSchema(): GraphQLSchema {
  schema ??= buildSchema(fs.readFileSync(path.join(import.meta.dirname, "../../simulators/specs/linear.schema.graphql"), "utf8"), { assumeValidSDL: true });
  return schema;
}

const parsed = new Map<string, DocumentNode>();
function toDocument(query: string | DocumentNode): DocumentNode {
  if (typeof query !== "string") return query;
  let doc = parsed.get(query);
  if (!doc) {
    doc = parse(query);
    parsed.set(query, doc);
  }
  return doc;
}

/**
 * Complexity of `query` (its first operation, or `operationName`) for these variables. Throws on a
 * field the schema does not have (a query Linear would reject anyway).
 */
export function linearComplexity(query: string | DocumentNode, variables: Record<string, unknown> = {}, opts: { schema?: GraphQLSchema; operationName?: string } = {}): number {
  const s = opts.schema ?? linearSdlSchema();
  const doc = toDocument(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!opts.operationName || d.name?.value === opts.operationName));
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) throw new Error("linearComplexity: no operation in the document");
  const root = op.operation === "mutation" ? s.getMutationType() : op.operation === "subscription" ? s.getSubscriptionType() : s.getQueryType();
  if (!root) throw new Error(`linearComplexity: the schema has no ${op.operation} type`);

  const walk = (set: SelectionSetNode, type: GraphQLCompositeType): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? (s.getType(sel.typeCondition.name.value) as GraphQLCompositeType) : type;
        total += walk(sel.selectionSet, t);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value);
        if (!f) throw new Error(`linearComplexity: unknown fragment ${sel.name.value}`);
        total += walk(f.selectionSet, s.getType(f.typeCondition.name.value) as GraphQLCompositeType);
        continue;
      }
      const name = sel.name.value;
      if (name === "__typename") {
        total += 0.1;
        continue;
      }
      if (!isObjectType(type) && !isInterfaceType(type)) throw new Error(`linearComplexity: cannot select ${name} on ${type.name}`);
      const field = type.getFields()[name];
      if (!field) throw new Error(`linearComplexity: ${type.name}.${name} is not in the schema`);
      const named = getNamedType(field.type);
      if (!isCompositeType(named) || !sel.selectionSet) {
        total += 0.1;
        continue;
      }
      const children = walk(sel.selectionSet, named);
      const paged = field.args.some((a) => a.name === "first");
      if (!paged) {
        total += 1 + children;
        continue;
      }
      const arg = (n: string) => {
        const node = sel.arguments?.find((a) => a.name.value === n);
        if (!node) return undefined;
        const v = valueFromASTUntyped(node.value, variables);
        return typeof v === "number" ? v : undefined;
      };
      total += 1 + (arg("first") ?? arg("last") ?? DEFAULT_PAGE) * children;
    }
    return total;
  };
  // Sums of tenths drift (0.1 + 0.2); round to a tenth before rounding up as Linear does.
  return Math.ceil(Math.round(walk(op.selectionSet, root) * 10) / 10);
}
