/** Byte counting on an array source, for the progress line of large inserts and fetches. */
import type { NdArraySource } from "../formats/ndarray.js";

/** Count the bytes a codec reads from an array, for a progress line on large inputs. */
export function counted(array: NdArraySource, add: (bytes: number) => void): NdArraySource {
  return {
    ...array,
    read: async (offset, length) => {
      const data = await array.read(offset, length);
      add(data.byteLength);
      return data;
    },
    ...(array.readInto
      ? {
          readInto: async (offset: number, into: Uint8Array) => {
            await array.readInto!(offset, into);
            add(into.byteLength);
          },
        }
      : {}),
    async *chunks(pieceBytes) {
      for await (const c of array.chunks(pieceBytes)) {
        add(c.byteLength);
        yield c;
      }
    },
  };
}
