//===- OpLibrary.h - Custom-op libraries: loading and the op table -*- C++
//-*-===//
//
// A custom-op library (kiln/op/OpKernel.h, the C ABI in kiln/op/kiln_op.h)
// is loaded once per process: its ops go into the custom-op table below,
// which the compiler reads to type-check nodes and infer shapes, and its
// kernels into the host-kernel table (HostKernel.h), so compiled code runs
// them as it runs Kiln's own host kernels (`kiln_rt_kernel`).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_OPLIBRARY_H
#define KILN_RUNTIME_OPLIBRARY_H

#include "kiln/op/kiln_op.h"
#include "kiln/runtime/NodeAttrs.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// An input or output of a custom op ("name: type" in REGISTER_OP's words).
/// Exactly one of `dtype`, `typeAttr`, `typeListAttr` gives its type;
/// `numberAttr` repeats it.
struct OpArgSpec {
  std::string name;
  DType dtype = DType::kInvalid;
  std::string typeAttr, numberAttr, typeListAttr;
  bool isRef = false;
  /// TF's spelling of the type: "T", "N * float", "Ref(float)".
  std::string typeText;
};

/// An attr of a custom op ("name: kind [= default]").
struct OpAttrSpec {
  std::string name;
  std::string kind; ///< int, float, bool, string, type, shape, list(int), ...
  std::vector<std::string> allowed; ///< dtype names or strings; empty: any
  std::optional<AttrValue> defaultValue;
  std::string defaultText; ///< as written, "" without a default
  std::optional<int64_t> minimum;
};

struct CustomOpDef {
  std::string name;
  std::string library; ///< the path it was loaded from
  std::vector<OpArgSpec> inputs, outputs;
  std::vector<OpAttrSpec> attrs;
  bool stateful = false;
  KilnShapeFn shapeFn = nullptr;
  void *shapeFnData = nullptr;
  std::string doc;

  const OpAttrSpec *findAttr(const std::string &attr) const;
  /// TF's `Op<name=...; signature=...; attr=...>` text for errors.
  std::string summary() const;
};

/// Loads `path` (dlopen) and registers its ops and kernels. Loading the same
/// library again, by that path or another name the loader resolves to it,
/// is a no-op; loads are serialized. Errors: NotFound when it cannot be opened
/// ("<path>: cannot open shared object file ..."), InvalidArgument when it
/// is no Kiln op library or declares an op wrongly, AlreadyExists when an op
/// it declares is already declared by another library.
Status loadOpLibrary(const std::string &path);

/// The custom op of that type, or null.
const CustomOpDef *findCustomOp(const std::string &opType);
/// Every custom op loaded, in load order.
std::vector<const CustomOpDef *> customOps();

/// `attrs` with the op's defaults added for attrs the node leaves out.
NodeAttrs withDefaultAttrs(const CustomOpDef &def, const NodeAttrs &attrs);

/// The dtypes of the node's inputs or outputs as the declaration expands
/// them for the node's attrs (`N * T`, list(type)); InvalidArgument naming
/// the attr when one is missing or of another kind.
StatusOr<std::vector<DType>> expandArgs(const CustomOpDef &def,
                                        const std::vector<OpArgSpec> &args,
                                        const NodeAttrs &attrs);

/// Checks the node's attrs against the declaration, in TF's words:
/// undeclared attrs, missing ones, kinds, allowed values, minima.
Status checkCustomOpAttrs(const CustomOpDef &def, const NodeAttrs &attrs);

/// Input or output shapes for a shape function: rank -1 unknown, dims -1
/// unknown; `value` set when the input's value is known.
struct ShapeFnShape {
  int64_t rank = -1;
  std::vector<int64_t> dims;
  const Tensor *value = nullptr;
};

/// Runs the op's shape function: one shape per output (unknown where the
/// function leaves an output unset, or when the op has none). Errors are
/// the function's.
StatusOr<std::vector<ShapeFnShape>>
runShapeFn(const CustomOpDef &def, const NodeAttrs &attrs,
           const std::vector<ShapeFnShape> &inputs, size_t numOutputs);

} // namespace kiln

#endif // KILN_RUNTIME_OPLIBRARY_H
