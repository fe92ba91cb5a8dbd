/**
 * The public API of `dj-cli` for codec plugin authors: types only, so a plugin needs no runtime
 * dependency on dj (everything it needs at run time arrives through the codec context).
 *
 * @example
 * import type { Codec } from "dj-cli";
 * const codec: Codec = { name: "mine", accepts: ["value"], getDtype: () => "json",
 *   async encode(v) { return v.kind === "value" ? v.value : null; },
 *   async decode(stored) { return { kind: "value", value: stored }; } };
 * export default codec;
 */
export { CODEC_API_VERSION } from "./codecs/types.js";
export type {
  Codec,
  CodecTypeSpec,
  DecodeContext,
  DecodedValue,
  EncodeContext,
  ErrorHelpers,
  InputValue,
  KeyValue,
  ReferencedPath,
} from "./codecs/types.js";
export type { MeasuredFigures, VerifyContext, VerifyProblem } from "./codecs/types.js";
export type { ObjectInfo, PutOptions, RangeQuery, Store } from "./stores/types.js";
export type { ByteOrder, DType, DTypeKind, NdArraySource, Order } from "./formats/ndarray.js";
export type { ResolvedConfig, StoreSpec } from "./config/types.js";
export type { CodeOf, DjErrorOptions, ErrorCode, ErrorKind } from "./errors.js";
