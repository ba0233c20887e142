/** The prune's queue (`prune.ts`): a binary min-heap of the side index's entries by last use. */
import type { IndexItem } from "./side-index.js";

export class UseQueue {
  private readonly heap: IndexItem[];
  constructor(items: IndexItem[]) {
    this.heap = [...items].sort((a, b) => a.usedAt - b.usedAt); // a sorted array is a heap
  }
  push(item: IndexItem): void {
    const heap = this.heap;
    heap.push(item);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.usedAt <= heap[i]!.usedAt) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }
  pop(): IndexItem | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left]!.usedAt < heap[least]!.usedAt) least = left;
      if (right < heap.length && heap[right]!.usedAt < heap[least]!.usedAt) least = right;
      if (least === i) break;
      [heap[least], heap[i]] = [heap[i]!, heap[least]!];
      i = least;
    }
    return top;
  }

  /**
   * The next entries to remove, in order: up to `size`, while the bytes left
   * (`keptBytes` less theirs) would still be over `target`; none past the
   * first `fresh` one (everything after it is fresher still).
   */
  take(keptBytes: number, target: number, size: number, fresh: (item: IndexItem) => boolean): IndexItem[] {
    const batch: IndexItem[] = [];
    let batchBytes = 0;
    while (batch.length < size && keptBytes - batchBytes > target) {
      const item = this.pop();
      if (item === undefined) break;
      if (fresh(item)) {
        this.push(item);
        break;
      }
      batch.push(item);
      batchBytes += item.size;
    }
    return batch;
  }
}
