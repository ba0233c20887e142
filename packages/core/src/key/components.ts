/**
 * Hashing the dependency graph (see `dependencies.ts`) by strongly connected
 * components, so that no hash depends on the order nodes were found in and
 * every node of a cycle gets the same hash.
 */
import { shortHash } from "../syntax/index.js";
import type { GraphNode } from "./graph-node.js";

/**
 * Hashes the nodes reachable from `starts` whose hash is not `known` yet, with
 * Tarjan's strongly connected components (iterative): a component's hash
 * covers its members' own hashes, the names they use for each other, and the
 * hashes of the components they reach, all sorted. A node whose hash is known
 * is a leaf (its whole component was hashed with it).
 */
export function hashComponents(
  starts: Iterable<string>,
  nodeOf: (key: string) => GraphNode | undefined,
  known: (key: string) => string | undefined,
  store: (key: string, hash: string) => void,
): void {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const computed = new Map<string, string>();
  const hashOf = (key: string) => computed.get(key) ?? known(key) ?? shortHash(`missing ${key}`);
  const edgesOf = (key: string) => nodeOf(key)?.edges ?? [];
  let counter = 0;

  const open = (key: string) => {
    index.set(key, counter);
    low.set(key, counter);
    counter++;
    stack.push(key);
    onStack.add(key);
  };

  const close = (members: string[]) => {
    const inside = new Set(members);
    const contributions = members.map((key) => {
      const own = nodeOf(key)?.own ?? "";
      const lines = edgesOf(key).map(([name, target]) =>
        inside.has(target)
          ? `${JSON.stringify(name)} ~${nodeOf(target)?.own ?? ""}`
          : `${JSON.stringify(name)} ${hashOf(target)}`,
      );
      return shortHash(`${own}\n${lines.sort().join("\n")}`);
    });
    const selfLoop = members.length === 1 && edgesOf(members[0]!).some(([, target]) => target === members[0]);
    const hash =
      members.length === 1 && !selfLoop ? contributions[0]! : shortHash(`cycle\n${contributions.sort().join("\n")}`);
    for (const key of members) {
      computed.set(key, hash);
      store(key, hash);
    }
  };

  const isDone = (key: string) => computed.has(key) || known(key) !== undefined;

  for (const start of starts) {
    if (index.has(start) || isDone(start)) continue;
    open(start);
    const work: Array<[string, number]> = [[start, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [key, next] = frame;
      const edges = edgesOf(key);
      if (next < edges.length) {
        frame[1] = next + 1;
        const target = edges[next]![1];
        if (isDone(target) && !onStack.has(target)) continue;
        if (!index.has(target)) {
          open(target);
          work.push([target, 0]);
        } else if (onStack.has(target)) {
          low.set(key, Math.min(low.get(key)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(key)!));
      if (low.get(key) === index.get(key)) {
        const members: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          members.push(member);
        } while (member !== key);
        close(members);
      }
    }
  }
}
