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
