// RUN: graph-opt %s -split-input-file --graph-infer-shapes -verify-diagnostics | FileCheck %s

// CHECK-LABEL: graph.graph
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x784>} : () -> tensor<*xf32>
  %w:2 = graph.VariableV2 "w"() {dtype = f32, shape = #graph.shape<784x10>} : () -> tensor<*x!graph.ref<f32>>
  %r:2 = graph.Identity "w/read"(%w#0) {T = f32} : (tensor<*x!graph.ref<f32>>) -> tensor<*xf32>
  // CHECK: graph.MatMul "m"{{.*}} : (tensor<?x784xf32>, tensor<784x10xf32>) -> tensor<?x10xf32>
  %m:2 = graph.MatMul "m"(%x#0, %r#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %b:2 = graph.Const "b"() {dtype = f32, value = dense<0.0> : tensor<10xf32>} : () -> tensor<*xf32>
  // CHECK: graph.Add "logits"{{.*}} -> tensor<?x10xf32>
  %l:2 = graph.Add "logits"(%m#0, %b#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %one:2 = graph.Const "one"() {dtype = i32, value = dense<1> : tensor<i32>} : () -> tensor<i32>
  // CHECK: graph.ArgMax "ArgMax"{{.*}} -> tensor<?xi64>
  %a:2 = graph.ArgMax "ArgMax"(%l#0, %one#0) {T = f32} : (tensor<*xf32>, tensor<i32>) -> tensor<*xi64>
  // CHECK: graph.SoftmaxCrossEntropyWithLogits "xent"{{.*}} -> (tensor<?xf32>, tensor<?x10xf32>)
  %y:2 = graph.Placeholder "y"() {dtype = f32, shape = #graph.shape<?x10>} : () -> tensor<*xf32>
  %xe:3 = graph.SoftmaxCrossEntropyWithLogits "xent"(%l#0, %y#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  %s:2 = graph.Const "shape"() {dtype = i32, value = dense<[-1, 28, 28]> : tensor<3xi32>} : () -> tensor<3xi32>
  // CHECK: graph.Reshape "img"{{.*}} -> tensor<?x28x28xf32>
  %img:2 = graph.Reshape "img"(%x#0, %s#0) {T = f32} : (tensor<*xf32>, tensor<3xi32>) -> tensor<*xf32>
  %ax:2 = graph.Const "axes"() {dtype = i32, value = dense<[0]> : tensor<1xi32>} : () -> tensor<1xi32>
  // CHECK: graph.Mean "mean"{{.*}} -> tensor<f32>
  %mean:2 = graph.Mean "mean"(%xe#0, %ax#0) {T = f32} : (tensor<*xf32>, tensor<1xi32>) -> tensor<*xf32>
  // Works through cycles of definition order: defined later, refined anyway.
  // CHECK: graph.Relu "late"{{.*}} -> tensor<?x10xf32>
  %late:2 = graph.Relu "late"(%l#0) {T = f32} : (tensor<*xf32>) -> tensor<*xf32>
}

// -----

graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<2x3>} : () -> tensor<*xf32>
  %y:2 = graph.Placeholder "y"() {dtype = f32, shape = #graph.shape<4x5>} : () -> tensor<*xf32>
  // expected-error @+1 {{node 'm' (MatMul): Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]}}
  %m:2 = graph.MatMul "m"(%x#0, %y#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
}

// -----

graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<2x3>} : () -> tensor<*xf32>
  %y:2 = graph.Placeholder "y"() {dtype = f32, shape = #graph.shape<4>} : () -> tensor<*xf32>
  // expected-error @+1 {{node 'a' (Add): Incompatible shapes: [2,3] vs. [4]}}
  %a:2 = graph.Add "a"(%x#0, %y#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
}

// -----

// _output_shapes (the declared result type) must agree with inference.
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<2x3>} : () -> tensor<*xf32>
  // expected-error @+1 {{node 'n' (Neg): output 0 has shape [2,3] but the graph declares [2,4] (_output_shapes)}}
  %n:2 = graph.Neg "n"(%x#0) {T = f32, _output_shapes = [#graph.shape<2x4>]} : (tensor<*xf32>) -> tensor<2x4xf32>
}

// -----

// Rules from the op table's `ShapeFn` lines: one per element-wise family.
// CHECK-LABEL: graph.graph
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x3>} : () -> tensor<*xf32>
  %y:2 = graph.Placeholder "y"() {dtype = f32, shape = #graph.shape<3>} : () -> tensor<*xf32>
  %i:2 = graph.Placeholder "i"() {dtype = i32, shape = #graph.shape<4x1>} : () -> tensor<*xi32>
  %j:2 = graph.Placeholder "j"() {dtype = i32, shape = #graph.shape<5>} : () -> tensor<*xi32>
  // CHECK: graph.Expm1 "expm1"{{.*}} -> tensor<?x3xf32>
  %e:2 = graph.Expm1 "expm1"(%x#0) {T = f32} : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.Inv "inv"{{.*}} -> tensor<3xf32>
  %v:2 = graph.Inv "inv"(%y#0) {T = f32} : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.DivNoNan "divnonan"{{.*}} -> tensor<?x3xf32>
  %d:2 = graph.DivNoNan "divnonan"(%x#0, %y#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.TruncateMod "truncatemod"{{.*}} -> tensor<4x5xi32>
  %m:2 = graph.TruncateMod "truncatemod"(%i#0, %j#0) {T = i32} : (tensor<*xi32>, tensor<*xi32>) -> tensor<*xi32>
  // CHECK: graph.SqrtGrad "sqrtgrad"{{.*}} -> tensor<?x3xf32>
  %g:2 = graph.SqrtGrad "sqrtgrad"(%x#0, %y#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.Relu6Grad "relu6grad"{{.*}} -> tensor<?x3xf32>
  %r:2 = graph.Relu6Grad "relu6grad"(%y#0, %x#0) {T = f32} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.Size "size"{{.*}} -> tensor<i32>
  %s:2 = graph.Size "size"(%x#0) {T = f32} : (tensor<*xf32>) -> tensor<*xi32>
  // A generic node has its rule from its family, by name.
  // CHECK: graph.node "CheckNumerics" "check"{{.*}} -> tensor<?x3xf32>
  %c:2 = graph.node "CheckNumerics" "check"(%x#0) {T = f32, message = "bad"} : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.node "ApplyFtrl" "ftrl"{{.*}} -> tensor<?x3xf32>
  %f:2 = graph.node "ApplyFtrl" "ftrl"(%x#0) {T = f32} : (tensor<*xf32>) -> tensor<*xf32>
}

// -----

graph.graph {
  %i:2 = graph.Placeholder "i"() {dtype = i32, shape = #graph.shape<4x2>} : () -> tensor<*xi32>
  %j:2 = graph.Placeholder "j"() {dtype = i32, shape = #graph.shape<3>} : () -> tensor<*xi32>
  // expected-error @+1 {{node 'm' (TruncateMod): Incompatible shapes: [4,2] vs. [3]}}
  %m:2 = graph.TruncateMod "m"(%i#0, %j#0) {T = i32} : (tensor<*xi32>, tensor<*xi32>) -> tensor<*xi32>
}

// -----

// Slice: `size` -1 runs to the end of the dim.
// CHECK-LABEL: graph.graph
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<3x4x5>} : () -> tensor<*xf32>
  %b:2 = graph.Const "begin"() {dtype = i32, value = dense<[1, 0, 2]> : tensor<3xi32>} : () -> tensor<3xi32>
  %s:2 = graph.Const "size"() {dtype = i32, value = dense<[2, -1, 2]> : tensor<3xi32>} : () -> tensor<3xi32>
  // CHECK: graph.Slice "slice"{{.*}} -> tensor<2x4x2xf32>
  %sl:2 = graph.Slice "slice"(%x#0, %b#0, %s#0) {T = f32, Index = i32} : (tensor<*xf32>, tensor<3xi32>, tensor<3xi32>) -> tensor<*xf32>
  // Begin known only at run time: the sizes that are given.
  %p:2 = graph.Placeholder "p"() {dtype = i32, shape = #graph.shape<3>} : () -> tensor<*xi32>
  // CHECK: graph.Slice "dynamic"{{.*}} -> tensor<2x?x2xf32>
  %dy:2 = graph.Slice "dynamic"(%x#0, %p#0, %s#0) {T = f32, Index = i32} : (tensor<*xf32>, tensor<*xi32>, tensor<3xi32>) -> tensor<*xf32>
}

// -----

graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<3x4>} : () -> tensor<*xf32>
  %b:2 = graph.Const "begin"() {dtype = i32, value = dense<[1, 2]> : tensor<2xi32>} : () -> tensor<2xi32>
  %s:2 = graph.Const "size"() {dtype = i32, value = dense<[1, 3]> : tensor<2xi32>} : () -> tensor<2xi32>
  // expected-error @+1 {{node 'slice' (Slice): Expected size[1] in [0, 2], but got 3}}
  %sl:2 = graph.Slice "slice"(%x#0, %b#0, %s#0) {T = f32, Index = i32} : (tensor<*xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<*xf32>
}

// -----

// Handles and resource variables.
// CHECK-LABEL: graph.graph
graph.graph {
  // CHECK: graph.FIFOQueueV2 "q"{{.*}} -> tensor<!graph.resource>
  %q:2 = graph.FIFOQueueV2 "q"() {capacity = 3 : i64, component_types = [f32], container = "", shared_name = ""} : () -> tensor<*x!graph.resource>
  // CHECK: graph.FIFOQueue "refq"{{.*}} -> tensor<2x!graph.ref<!graph.string>>
  %rq:2 = graph.FIFOQueue "refq"() {capacity = 3 : i64, component_types = [f32], container = "", shared_name = ""} : () -> tensor<*x!graph.ref<!graph.string>>
  // CHECK: graph.VarHandleOp "h"{{.*}} -> tensor<!graph.resource>
  %h:2 = graph.VarHandleOp "h"() {container = "", dtype = f32, shape = #graph.shape<2x5>, shared_name = "h"} : () -> tensor<*x!graph.resource>
  // CHECK: graph.ReadVariableOp "read"{{.*}} -> tensor<2x5xf32>
  %r:2 = graph.ReadVariableOp "read"(%h#0) {dtype = f32} : (tensor<*x!graph.resource>) -> tensor<*xf32>
}

// -----

// Conv2D and pooling: TF's windowed sizes (SAME: ceil(in / stride); VALID:
// (in - dilated filter + stride) / stride), in either data format; an open
// batch stays open.
// CHECK-LABEL: graph.graph
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x6x7x2>} : () -> tensor<*xf32>
  %xc:2 = graph.Placeholder "xc"() {dtype = f32, shape = #graph.shape<1x2x9x9>} : () -> tensor<*xf32>
  %f:2 = graph.Placeholder "f"() {dtype = f32, shape = #graph.shape<3x3x2x5>} : () -> tensor<*xf32>
  // CHECK: graph.Conv2D "same"{{.*}} -> tensor<?x3x4x5xf32>
  %s:2 = graph.Conv2D "same"(%x#0, %f#0) {T = f32, strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC", dilations = [1, 1, 1, 1], use_cudnn_on_gpu = true} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.Conv2D "valid_dilated"{{.*}} -> tensor<?x2x3x5xf32>
  %v:2 = graph.Conv2D "valid_dilated"(%x#0, %f#0) {T = f32, strides = [1, 1, 1, 1], padding = "VALID", data_format = "NHWC", dilations = [1, 2, 2, 1], use_cudnn_on_gpu = true} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.Conv2D "nchw"{{.*}} -> tensor<1x5x4x4xf32>
  %n:2 = graph.Conv2D "nchw"(%xc#0, %f#0) {T = f32, strides = [1, 1, 2, 2], padding = "VALID", data_format = "NCHW", dilations = [1, 1, 1, 1], use_cudnn_on_gpu = true} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.MaxPool "max"{{.*}} -> tensor<?x3x4x2xf32>
  %m:2 = graph.MaxPool "max"(%x#0) {T = f32, ksize = [1, 2, 2, 1], strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC"} : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.AvgPool "avg"{{.*}} -> tensor<?x4x5x2xf32>
  %a:2 = graph.AvgPool "avg"(%x#0) {T = f32, ksize = [1, 3, 3, 1], strides = [1, 1, 1, 1], padding = "VALID", data_format = "NHWC"} : (tensor<*xf32>) -> tensor<*xf32>
}

// -----

// A gradient's sizes from ShapeN (as TF 1.x's Conv2D gradient builds it):
// the shapes ShapeN takes of its inputs, as far as known; from a vector
// of unknown values, only the rank.
// CHECK-LABEL: graph.graph
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x6x7x2>} : () -> tensor<*xf32>
  %f:2 = graph.Placeholder "f"() {dtype = f32, shape = #graph.shape<3x3x2x5>} : () -> tensor<*xf32>
  %dy:2 = graph.Placeholder "dy"() {dtype = f32, shape = #graph.shape<?x6x7x5>} : () -> tensor<*xf32>
  %s:2 = graph.Placeholder "s"() {dtype = i32, shape = #graph.shape<4>} : () -> tensor<*xi32>
  %n:3 = graph.ShapeN "n"(%x#0, %f#0) {N = 2 : i64, T = f32, out_type = i32} : (tensor<*xf32>, tensor<*xf32>) -> (tensor<*xi32>, tensor<*xi32>)
  // CHECK: graph.Conv2DBackpropInput "dx"{{.*}} -> tensor<?x6x7x2xf32>
  %dx:2 = graph.Conv2DBackpropInput "dx"(%n#0, %f#0, %dy#0) {T = f32, strides = [1, 1, 1, 1], padding = "SAME", data_format = "NHWC", use_cudnn_on_gpu = true} : (tensor<*xi32>, tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.Conv2DBackpropFilter "df"{{.*}} -> tensor<3x3x2x5xf32>
  %df:2 = graph.Conv2DBackpropFilter "df"(%x#0, %n#1, %dy#0) {T = f32, strides = [1, 1, 1, 1], padding = "SAME", data_format = "NHWC", use_cudnn_on_gpu = true} : (tensor<*xf32>, tensor<*xi32>, tensor<*xf32>) -> tensor<*xf32>
  // CHECK: graph.Conv2DBackpropInput "fed"{{.*}} -> tensor<?x?x?x?xf32>
  %fed:2 = graph.Conv2DBackpropInput "fed"(%s#0, %f#0, %dy#0) {T = f32, strides = [1, 1, 1, 1], padding = "SAME", data_format = "NHWC", use_cudnn_on_gpu = true} : (tensor<*xi32>, tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
}
