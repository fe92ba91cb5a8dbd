/*
 * dj-zarr-native: Blosc and Zstandard for <zarr@> chunks through the system's C libraries
 * (c-blosc 1.x and libzstd — the same ones Python's numcodecs links on Debian).
 *
 * Every call returns a Promise and runs on libuv's thread pool, so several chunks compress at
 * once on different cores while the JavaScript thread keeps reading and writing. Output buffers
 * are allocated by V8 on the JavaScript thread before the work is queued (the garbage collector
 * sees their size); the worker only fills them. Inputs are pinned with a reference until done.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <blosc.h>
#include <zstd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { BLOSC_ENCODE, BLOSC_DECODE, ZSTD_ENCODE, ZSTD_DECODE };

typedef struct {
  enum op op;
  napi_async_work work;
  napi_deferred deferred;
  napi_ref input_ref;
  napi_ref output_ref;
  const uint8_t *src;
  size_t src_len;
  uint8_t *dst;      /* V8-owned output (capacity dst_cap) */
  size_t dst_cap;
  uint8_t *grown;    /* malloc'd output of a zstd frame of unknown size */
  size_t out_len;
  int clevel, shuffle, checksum, threads;
  size_t typesize, blocksize;
  size_t limit;      /* decode: most bytes the caller expects (0: no limit) */
  char cname[16];
  char error[160];
} job_t;

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), "DJ_NATIVE", "dj-zarr-native: " #call);      \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static void zstd_decode_stream(job_t *j) {
  ZSTD_DCtx *ctx = ZSTD_createDCtx();
  size_t cap = j->src_len * 4 + 65536, len = 0;
  uint8_t *out = malloc(cap);
  if (!ctx || !out) {
    snprintf(j->error, sizeof j->error, "zstd: out of memory");
    free(out);
    ZSTD_freeDCtx(ctx);
    return;
  }
  ZSTD_inBuffer in = {j->src, j->src_len, 0};
  size_t ret = 1;
  while (in.pos < in.size || ret != 0) {
    if (len == cap) {
      if (j->limit && cap > j->limit) { snprintf(j->error, sizeof j->error, "zstd: the frame holds more than the %zu bytes expected", j->limit); break; }
      uint8_t *bigger = realloc(out, cap * 2);
      if (!bigger) { snprintf(j->error, sizeof j->error, "zstd: out of memory"); break; }
      out = bigger;
      cap *= 2;
    }
    ZSTD_outBuffer o = {out, cap, len};
    ret = ZSTD_decompressStream(ctx, &o, &in);
    if (ZSTD_isError(ret)) { snprintf(j->error, sizeof j->error, "zstd: %s", ZSTD_getErrorName(ret)); break; }
    len = o.pos;
    if (in.pos == in.size && ret != 0 && o.pos < o.size) {
      snprintf(j->error, sizeof j->error, "zstd: truncated frame");
      break;
    }
  }
  ZSTD_freeDCtx(ctx);
  if (j->error[0]) { free(out); return; }
  j->grown = out;
  j->out_len = len;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  switch (j->op) {
    case BLOSC_ENCODE: {
      int n = blosc_compress_ctx(j->clevel, j->shuffle, j->typesize, j->src_len, j->src, j->dst, j->dst_cap,
                                 j->cname, j->blocksize, j->threads);
      if (n <= 0) snprintf(j->error, sizeof j->error, "blosc: compression failed (%d)", n);
      else j->out_len = (size_t)n;
      break;
    }
    case BLOSC_DECODE: {
      int n = blosc_decompress_ctx(j->src, j->dst, j->dst_cap, 1);
      if (n < 0 || (size_t)n != j->dst_cap) snprintf(j->error, sizeof j->error, "blosc: corrupt chunk (%d)", n);
      else j->out_len = (size_t)n;
      break;
    }
    case ZSTD_ENCODE: {
      ZSTD_CCtx *ctx = ZSTD_createCCtx();
      if (!ctx) { snprintf(j->error, sizeof j->error, "zstd: out of memory"); break; }
      ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, j->clevel);
      ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, j->checksum);
      size_t n = ZSTD_compress2(ctx, j->dst, j->dst_cap, j->src, j->src_len);
      ZSTD_freeCCtx(ctx);
      if (ZSTD_isError(n)) snprintf(j->error, sizeof j->error, "zstd: %s", ZSTD_getErrorName(n));
      else j->out_len = n;
      break;
    }
    case ZSTD_DECODE: {
      if (!j->dst) { zstd_decode_stream(j); break; }
      size_t n = ZSTD_decompress(j->dst, j->dst_cap, j->src, j->src_len);
      if (ZSTD_isError(n)) snprintf(j->error, sizeof j->error, "zstd: %s", ZSTD_getErrorName(n));
      else if (n != j->dst_cap) snprintf(j->error, sizeof j->error, "zstd: frame holds %zu bytes, header says %zu", n, j->dst_cap);
      else j->out_len = n;
      break;
    }
  }
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value result = NULL, output, message;
  if (status != napi_ok && !j->error[0]) snprintf(j->error, sizeof j->error, "work was cancelled");
  if (j->error[0]) {
    if (napi_create_string_utf8(env, j->error, NAPI_AUTO_LENGTH, &message) == napi_ok) napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, j->deferred, result);
  } else if (j->grown) {
    void *copy;
    if (napi_create_buffer_copy(env, j->out_len, j->grown, &copy, &result) == napi_ok) napi_resolve_deferred(env, j->deferred, result);
    else {
      napi_create_string_utf8(env, "zstd: out of memory", NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, NULL, message, &result);
      napi_reject_deferred(env, j->deferred, result);
    }
  } else {
    /* A view of the first out_len bytes of the output buffer. */
    napi_value arraybuffer;
    size_t offset = 0;
    napi_get_reference_value(env, j->output_ref, &output);
    napi_get_typedarray_info(env, output, NULL, NULL, NULL, &arraybuffer, &offset);
    napi_create_typedarray(env, napi_uint8_array, j->out_len, arraybuffer, offset, &result);
    napi_resolve_deferred(env, j->deferred, result);
  }
  free(j->grown);
  napi_delete_reference(env, j->input_ref);
  if (j->output_ref) napi_delete_reference(env, j->output_ref);
  napi_delete_async_work(env, j->work);
  free(j);
}

/* Drop a job that was never queued. */
static void discard(napi_env env, job_t *j) {
  napi_delete_reference(env, j->input_ref);
  if (j->output_ref) napi_delete_reference(env, j->output_ref);
  free(j);
}

/* Bad data is a rejected promise, like a failure found while working; bad arguments throw. */
static napi_value rejected(napi_env env, job_t *j, const char *msg) {
  napi_value promise, message, error;
  napi_deferred deferred;
  discard(env, j);
  napi_create_promise(env, &deferred, &promise);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_reject_deferred(env, deferred, error);
  return promise;
}

/* The bytes of a Uint8Array (or Buffer); false for anything else. */
static bool as_bytes(napi_env env, napi_value value, void **ptr, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  return napi_get_typedarray_info(env, value, &type, length, ptr, NULL, NULL) == napi_ok && type == napi_uint8_array;
}

/* A job on the input Uint8Array (or Buffer); NULL when an error is thrown. */
static job_t *begin(napi_env env, napi_value input, enum op op) {
  size_t length;
  void *ptr;
  if (!as_bytes(env, input, &ptr, &length)) {
    napi_throw_type_error(env, NULL, "dj-zarr-native: expected a Uint8Array");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, NULL, "dj-zarr-native: out of memory");
    return NULL;
  }
  j->op = op;
  j->src = ptr;
  j->src_len = length;
  napi_create_reference(env, input, 1, &j->input_ref);
  return j;
}

/* Read up to *argc arguments into args and start a job on args[0]; NULL when an error is thrown. */
static job_t *start(napi_env env, napi_callback_info info, enum op op, napi_value *args, size_t *argc) {
  if (napi_get_cb_info(env, info, argc, args, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "dj-zarr-native: cannot read the arguments");
    return NULL;
  }
  if (*argc < 1) {
    napi_throw_type_error(env, NULL, "dj-zarr-native: expected a Uint8Array");
    return NULL;
  }
  return begin(env, args[0], op);
}

/*
 * Queue the work and return the promise. The output is `given` (a caller's Uint8Array, reused
 * across calls so large streams make no garbage) when it is not NULL, else a new V8 buffer.
 */
static napi_value queue(napi_env env, job_t *j, size_t capacity, napi_value given) {
  napi_value promise, resource_name, output;
  if (given) {
    void *ptr;
    size_t length;
    if (!as_bytes(env, given, &ptr, &length)) {
      discard(env, j);
      napi_throw_type_error(env, NULL, "dj-zarr-native: the output must be a Uint8Array");
      return NULL;
    }
    if (length < capacity) return rejected(env, j, "dj-zarr-native: the output buffer is too small for this chunk");
    j->dst = ptr;
    j->dst_cap = length;
    napi_create_reference(env, given, 1, &j->output_ref);
  } else if (capacity > 0 || j->op != ZSTD_DECODE) {
    void *ptr;
    if (napi_create_buffer(env, capacity ? capacity : 1, &ptr, &output) != napi_ok) {
      discard(env, j);
      napi_throw_range_error(env, NULL, "dj-zarr-native: cannot allocate the output buffer");
      return NULL;
    }
    j->dst = ptr;
    j->dst_cap = capacity;
    napi_create_reference(env, output, 1, &j->output_ref);
  }
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "dj-zarr-native", NAPI_AUTO_LENGTH, &resource_name);
  napi_create_async_work(env, NULL, resource_name, execute, complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return promise;
}

static int32_t int_arg(napi_env env, napi_value v, int32_t fallback) {
  int32_t out;
  return napi_get_value_int32(env, v, &out) == napi_ok ? out : fallback;
}

/* The optional output argument: absent, undefined or null means "allocate one". */
static napi_value given_output(napi_env env, size_t argc, napi_value *args, size_t index) {
  napi_valuetype type;
  if (argc <= index || napi_typeof(env, args[index], &type) != napi_ok) return NULL;
  return type == napi_undefined || type == napi_null ? NULL : args[index];
}

/* bloscEncode(data, cname, clevel, shuffle, typesize, blocksize[, output[, threads]]) */
static napi_value blosc_encode(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  job_t *j = start(env, info, BLOSC_ENCODE, args, &argc);
  if (!j) return NULL;
  if (argc < 6) {
    discard(env, j);
    napi_throw_type_error(env, NULL, "dj-zarr-native: bloscEncode(data, cname, clevel, shuffle, typesize, blocksize)");
    return NULL;
  }
  size_t cname_len;
  napi_get_value_string_utf8(env, args[1], j->cname, sizeof j->cname, &cname_len);
  j->clevel = int_arg(env, args[2], 5);
  j->shuffle = int_arg(env, args[3], 1);
  j->typesize = (size_t)int_arg(env, args[4], 1);
  j->blocksize = (size_t)int_arg(env, args[5], 0);
  /* c-blosc's own threads split one big chunk's blocks (their order in the chunk then varies). */
  j->threads = argc > 7 ? int_arg(env, args[7], 1) : 1;
  if (j->threads < 1) j->threads = 1;
  if (j->threads > 64) j->threads = 64;
  if (j->src_len > (size_t)BLOSC_MAX_BUFFERSIZE) return rejected(env, j, "blosc: a chunk holds at most 2 GiB");
  return queue(env, j, j->src_len + BLOSC_MAX_OVERHEAD, given_output(env, argc, args, 6));
}

/* The optional size limit of a decode (a corrupt header must not make us allocate gigabytes). */
static size_t limit_arg(napi_env env, size_t argc, napi_value *args, size_t index) {
  double limit = 0;
  if (argc > index && napi_get_value_double(env, args[index], &limit) == napi_ok && limit > 0) return (size_t)limit;
  return 0;
}

/* bloscDecode(data[, limit]) */
static napi_value blosc_decode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  job_t *j = start(env, info, BLOSC_DECODE, args, &argc);
  if (!j) return NULL;
  j->limit = limit_arg(env, argc, args, 1);
  size_t nbytes = 0;
  if (j->src_len < BLOSC_MIN_HEADER_LENGTH || blosc_cbuffer_validate(j->src, j->src_len, &nbytes) != 0) {
    return rejected(env, j, "blosc: not a valid Blosc chunk");
  }
  if (j->limit && nbytes > j->limit) return rejected(env, j, "blosc: the chunk holds more bytes than expected");
  return queue(env, j, nbytes, NULL);
}

/* zstdEncode(data, level, checksum[, output]) */
static napi_value zstd_encode(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  job_t *j = start(env, info, ZSTD_ENCODE, args, &argc);
  if (!j) return NULL;
  j->clevel = argc > 1 ? int_arg(env, args[1], 1) : 1;
  bool checksum = false;
  if (argc > 2) napi_get_value_bool(env, args[2], &checksum);
  j->checksum = checksum;
  return queue(env, j, ZSTD_compressBound(j->src_len), given_output(env, argc, args, 3));
}

/* zstdDecode(data[, limit]): sized from the frame header; frames without a size decode as a stream. */
static napi_value zstd_decode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  job_t *j = start(env, info, ZSTD_DECODE, args, &argc);
  if (!j) return NULL;
  j->limit = limit_arg(env, argc, args, 1);
  unsigned long long size = ZSTD_getFrameContentSize(j->src, j->src_len);
  if (size == ZSTD_CONTENTSIZE_ERROR) return rejected(env, j, "zstd: not a valid Zstandard frame");
  if (j->limit && size != ZSTD_CONTENTSIZE_UNKNOWN && size > j->limit) return rejected(env, j, "zstd: the frame holds more bytes than expected");
  /* One frame with a known size decodes straight into place; anything else is streamed. */
  int single = size != ZSTD_CONTENTSIZE_UNKNOWN && ZSTD_findFrameCompressedSize(j->src, j->src_len) == j->src_len;
  return queue(env, j, single ? (size_t)size : 0, NULL);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bloscEncode", NULL, blosc_encode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bloscDecode", NULL, blosc_decode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"zstdEncode", NULL, zstd_encode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"zstdDecode", NULL, zstd_decode, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value version;
  napi_create_string_utf8(env, BLOSC_VERSION_STRING, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "bloscVersion", version);
  napi_create_string_utf8(env, ZSTD_versionString(), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "zstdVersion", version);
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
