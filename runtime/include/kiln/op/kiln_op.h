/*===- kiln_op.h - The C ABI between Kiln and custom-op libraries -*- C -*-===*
 *
 * A custom-op library is a shared library that exports one function,
 * `kiln_op_library_v1` (KILN_OP_LIBRARY_SYMBOL). Kiln calls it once when it
 * loads the library, with a table of the host's functions (KilnHostApi),
 * and the library registers its ops (KilnOpDef: TF's REGISTER_OP) and CPU
 * kernels (KilnKernelDef: TF's REGISTER_KERNEL_BUILDER) through it. The
 * library links nothing of Kiln: everything it calls comes in the table, so
 * a library built once keeps working with later Kilns of the same ABI
 * version (the table only grows; `struct_size` says how much of it there
 * is).
 *
 * Libraries are normally written against the C++ API in OpKernel.h, which
 * wraps this header and defines the entry point; this file is the contract
 * underneath it. See docs/custom-ops.md.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_OP_KILN_OP_H
#define KILN_OP_KILN_OP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_OP_ABI_VERSION 1
#define KILN_OP_LIBRARY_SYMBOL "kiln_op_library_v1"

/* TensorFlow's DataType numbers (DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3,
 * DT_UINT8 = 4, DT_INT16 = 5, DT_INT8 = 6, DT_STRING = 7, DT_INT64 = 9,
 * DT_BOOL = 10, ...). */
typedef int32_t KilnDataType;

/* TensorFlow's error codes (error::Code): 0 OK, 3 INVALID_ARGUMENT, 5
 * NOT_FOUND, 9 FAILED_PRECONDITION, 11 OUT_OF_RANGE, 12 UNIMPLEMENTED, 13
 * INTERNAL, ... */
typedef int32_t KilnCode;

/* Opaque handles, owned by the host and valid during the call that hands
 * them out. */
typedef struct KilnRegistrar KilnRegistrar;
typedef struct KilnAttrs KilnAttrs;
typedef struct KilnStatus KilnStatus;
typedef struct KilnTensor KilnTensor;
typedef struct KilnShapeContext KilnShapeContext;
typedef struct KilnKernelContext KilnKernelContext;

/* Shape function: reads input shapes and attrs through the host table and
 * sets every output's shape; an error goes to shape_set_error. */
typedef void (*KilnShapeFn)(KilnShapeContext *ctx, void *fn_data);

/* An op, in REGISTER_OP's words: each input and output "name: type" where
 * type is a dtype name (float, int64, ...), a type attr (T), "N * T", a
 * list(type) attr, or Ref(...) of these; each attr "name: kind" with an
 * optional "= default" (kinds: int, float, bool, string, type, shape,
 * list(int), list(float), list(type), {float, double} allowed types,
 * numbertype, realnumbertype, ">= 1" minima). */
typedef struct KilnOpDef {
  const char *name;
  const char *const *inputs;
  size_t num_inputs;
  const char *const *outputs;
  size_t num_outputs;
  const char *const *attrs;
  size_t num_attrs;
  int32_t stateful;  /* not pure: never folded, merged or pruned when fed */
  KilnShapeFn shape_fn; /* NULL: outputs of unknown shape */
  void *shape_fn_data;
  const char *doc;      /* may be NULL */
} KilnOpDef;

/* A kernel: `create` builds one per node and session (its attrs are the
 * node's; an error there fails the first run, as in TF), `compute` runs it
 * (possibly from several threads at once, as TF's OpKernel::Compute),
 * `destroy` frees it with the session. A kernel may be limited to some
 * values of type attrs (TF's TypeConstraint). */
typedef struct KilnKernelDef {
  const char *op;
  const char *device; /* "CPU" */
  const char *const *constraint_attrs;
  const KilnDataType *constraint_types;
  size_t num_constraints;
  void *(*create)(const KilnAttrs *attrs, KilnStatus *status, void *data);
  void (*compute)(void *kernel, KilnKernelContext *ctx);
  void (*destroy)(void *kernel);
  void *data; /* passed to create */
} KilnKernelDef;

/* The host's functions. Attr getters return 1 when the attr exists with
 * that kind (attrs without a value take the op's default), else 0. */
typedef struct KilnHostApi {
  uint32_t abi_version; /* KILN_OP_ABI_VERSION */
  uint32_t struct_size; /* sizeof(KilnHostApi) of the host */

  /* Registration; only during the entry point's call. */
  void (*register_op)(KilnRegistrar *r, const KilnOpDef *def);
  void (*register_kernel)(KilnRegistrar *r, const KilnKernelDef *def);

  void (*set_status)(KilnStatus *s, KilnCode code, const char *message);

  /* A node's attrs. */
  const char *(*node_name)(const KilnAttrs *a);
  int (*attr_int)(const KilnAttrs *a, const char *name, int64_t *out);
  int (*attr_float)(const KilnAttrs *a, const char *name, float *out);
  int (*attr_bool)(const KilnAttrs *a, const char *name, int32_t *out);
  int (*attr_type)(const KilnAttrs *a, const char *name, KilnDataType *out);
  /* The bytes stay valid while `a` does. */
  int (*attr_string)(const KilnAttrs *a, const char *name, const char **data,
                     size_t *size);
  /* Lists: the count in *n; up to `cap` items copied to out. */
  int (*attr_int_list)(const KilnAttrs *a, const char *name, int64_t *out,
                       size_t cap, size_t *n);
  int (*attr_float_list)(const KilnAttrs *a, const char *name, float *out,
                         size_t cap, size_t *n);
  int (*attr_type_list)(const KilnAttrs *a, const char *name,
                        KilnDataType *out, size_t cap, size_t *n);

  /* Shape inference: rank -1 is an unknown rank, dim -1 an unknown size. */
  const KilnAttrs *(*shape_attrs)(KilnShapeContext *c);
  size_t (*shape_num_inputs)(KilnShapeContext *c);
  size_t (*shape_num_outputs)(KilnShapeContext *c);
  int64_t (*shape_input_rank)(KilnShapeContext *c, size_t i);
  int64_t (*shape_input_dim)(KilnShapeContext *c, size_t i, size_t d);
  /* The input's value when the compiler knows it (a constant), else NULL. */
  const KilnTensor *(*shape_input_tensor)(KilnShapeContext *c, size_t i);
  void (*shape_set_output)(KilnShapeContext *c, size_t i, int64_t rank,
                           const int64_t *dims);
  void (*shape_set_error)(KilnShapeContext *c, KilnCode code,
                          const char *message);

  /* Kernels. */
  const KilnAttrs *(*kernel_attrs)(KilnKernelContext *c);
  size_t (*num_inputs)(KilnKernelContext *c);
  size_t (*num_outputs)(KilnKernelContext *c);
  const KilnTensor *(*input)(KilnKernelContext *c, size_t i);
  /* A Ref input (a variable): its value, to change in place (TF's
   * mutable_input). With `lock`, the variable stays locked until compute
   * returns. NULL with an error set when the input is no variable or not
   * initialized. */
  KilnTensor *(*mutable_input)(KilnKernelContext *c, size_t i, int32_t lock);
  /* Output i of the node's declared dtype; NULL with an error set on a bad
   * index or shape. */
  KilnTensor *(*allocate_output)(KilnKernelContext *c, size_t i, int64_t rank,
                                 const int64_t *dims);
  /* Output i is `t` (an input, or a tensor of this call), shared. */
  int (*set_output)(KilnKernelContext *c, size_t i, const KilnTensor *t);
  void (*kernel_set_error)(KilnKernelContext *c, KilnCode code,
                           const char *message);
  /* The kernel's per-run scratch tensor of any dtype (freed after compute);
   * NULL with an error set on a bad shape. */
  KilnTensor *(*allocate_temp)(KilnKernelContext *c, KilnDataType dtype,
                               int64_t rank, const int64_t *dims);

  /* Tensors. */
  KilnDataType (*tensor_dtype)(const KilnTensor *t);
  int64_t (*tensor_rank)(const KilnTensor *t);
  int64_t (*tensor_dim)(const KilnTensor *t, int64_t d);
  int64_t (*tensor_num_elements)(const KilnTensor *t);
  void *(*tensor_data)(const KilnTensor *t);
} KilnHostApi;

/* The library's entry point: registers everything; returns 0, or nonzero
 * after set_status on `status`. */
typedef int (*KilnOpLibraryFn)(const KilnHostApi *api, KilnRegistrar *r,
                               KilnStatus *status);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KILN_OP_KILN_OP_H */
