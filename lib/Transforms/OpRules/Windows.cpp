//===- Windows.cpp - Sliding windows of Conv2D and pooling ----------------===//
//
// TF's rules for a window's attrs and output size (kernels/ops_util and
// framework/common_shape_fns: GetWindowedOutputSizeVerbose), shared by the
// shape functions and the lowerings.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/OpRules.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace {

/// The 4 integers of list attr `name`, or `dflt` (all 1) when absent.
std::optional<SmallVector<int64_t>> fourInts(Operation *op, StringRef name,
                                             bool required) {
  auto list = op->getAttrOfType<ArrayAttr>(name);
  if (!list)
    return required ? std::nullopt
                    : std::optional<SmallVector<int64_t>>({1, 1, 1, 1});
  SmallVector<int64_t> out;
  for (Attribute a : list) {
    auto i = dyn_cast<IntegerAttr>(a);
    if (!i)
      return std::nullopt;
    out.push_back(i.getInt());
  }
  if (out.size() != 4)
    return std::nullopt;
  return out;
}

} // namespace

std::optional<kiln::WindowAttrs> kiln::windowAttrs(Operation *op, bool pool,
                                                   std::string &error,
                                                   bool &unsupported) {
  unsupported = false;
  WindowAttrs w;
  StringRef format = "NHWC";
  if (auto f = op->getAttrOfType<StringAttr>("data_format"))
    format = f.getValue();
  if (format != "NHWC" && format != "NCHW") {
    error = "Invalid data format string: " + format.str();
    return std::nullopt;
  }
  w.nchw = format == "NCHW";
  int hDim = w.nchw ? 2 : 1, wDim = w.nchw ? 3 : 2, cDim = w.nchw ? 1 : 3;
  std::optional<SmallVector<int64_t>> strides = fourInts(op, "strides", true);
  if (!strides) {
    error = "Sliding window strides field must specify 4 dimensions";
    return std::nullopt;
  }
  if ((*strides)[0] != 1) {
    error = pool ? "Pooling is not yet supported on the batch dimension."
                 : "Current implementation does not yet support strides in "
                   "the batch and depth dimensions.";
    return std::nullopt;
  }
  if ((*strides)[cDim] != 1) {
    if (pool) {
      unsupported = true;
      error = "pooling across depth";
    } else {
      error = "Current implementation does not yet support strides in the "
              "batch and depth dimensions.";
    }
    return std::nullopt;
  }
  if ((*strides)[hDim] < 1 || (*strides)[wDim] < 1) {
    error = "Stride must be > 0";
    return std::nullopt;
  }
  w.strides[0] = (*strides)[hDim];
  w.strides[1] = (*strides)[wDim];
  if (pool) {
    std::optional<SmallVector<int64_t>> ksize = fourInts(op, "ksize", true);
    if (!ksize) {
      error = "Sliding window ksize field must specify 4 dimensions";
      return std::nullopt;
    }
    if ((*ksize)[0] != 1) {
      error = "Pooling is not yet supported on the batch dimension.";
      return std::nullopt;
    }
    if ((*ksize)[cDim] != 1) {
      unsupported = true;
      error = "pooling across depth";
      return std::nullopt;
    }
    if ((*ksize)[hDim] < 1 || (*ksize)[wDim] < 1) {
      error = "Sliding window ksize must be positive";
      return std::nullopt;
    }
    w.ksize[0] = (*ksize)[hDim];
    w.ksize[1] = (*ksize)[wDim];
  } else {
    std::optional<SmallVector<int64_t>> dil = fourInts(op, "dilations", false);
    if (!dil) {
      error = "Sliding window dilations field must specify 4 dimensions";
      return std::nullopt;
    }
    if ((*dil)[0] != 1 || (*dil)[cDim] != 1) {
      error = "Current implementation does not yet support dilations in the "
              "batch and depth dimensions.";
      return std::nullopt;
    }
    if ((*dil)[hDim] < 1 || (*dil)[wDim] < 1) {
      error = "Dilated rates should be larger than 0.";
      return std::nullopt;
    }
    w.dilations[0] = (*dil)[hDim];
    w.dilations[1] = (*dil)[wDim];
  }
  StringRef padding;
  if (auto p = op->getAttrOfType<StringAttr>("padding"))
    padding = p.getValue();
  if (padding == "EXPLICIT") {
    unsupported = true;
    error = "EXPLICIT padding";
    return std::nullopt;
  }
  if (padding != "SAME" && padding != "VALID") {
    error = "Invalid padding string: " + padding.str();
    return std::nullopt;
  }
  w.same = padding == "SAME";
  return w;
}

std::optional<kiln::WindowDim> kiln::windowDim(int64_t in, int64_t filter,
                                               int64_t stride, int64_t dilation,
                                               bool same, std::string &error) {
  WindowDim d;
  if (in < 0)
    return d;
  // Sizes no tensor has (a corrupt or fuzzed graph): no int64 overflow.
  constexpr int64_t kLimit = int64_t(1) << 30;
  if (in > kLimit || filter > kLimit || stride > kLimit || dilation > kLimit) {
    error = "window dimensions too large: input " + std::to_string(in) +
            ", filter " + std::to_string(filter) + ", stride " +
            std::to_string(stride) + ", dilation " + std::to_string(dilation);
    return std::nullopt;
  }
  int64_t effective = (filter - 1) * dilation + 1;
  if (same) {
    d.out = (in + stride - 1) / stride;
    int64_t needed =
        std::max<int64_t>(0, (d.out - 1) * stride + effective - in);
    d.padBefore = needed / 2;
    d.padAfter = needed - d.padBefore;
  } else {
    d.out = (in - effective + stride) / stride;
  }
  if (d.out < 0) {
    error = "Computed output size would be negative: " + std::to_string(d.out) +
            " [input_size: " + std::to_string(in) +
            ", effective_filter_size: " + std::to_string(effective) +
            ", stride: " + std::to_string(stride) + "]";
    return std::nullopt;
  }
  return d;
}
