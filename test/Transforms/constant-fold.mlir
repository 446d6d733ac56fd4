// RUN: graph-opt %s --graph-constant-fold | FileCheck %s
// RUN: graph-opt %s --graph-constant-fold --graph-dce="keep=use" | FileCheck %s --check-prefix=DCE

// CHECK-LABEL: graph.graph
graph.graph {
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %b:2 = graph.Const "b"() {dtype = f32, value = dense<[10.0, 20.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  // Broadcasting [2,2] + [2]; the node keeps its name.
  // CHECK: graph.Const "add"() {dtype = f32, value = dense<{{\[\[}}1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>}
  %add:2 = graph.Add "add"(%a#0, %b#0) {T = f32} : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<*xf32>
  // float32 rounding: 0.1 + 0.2 in float is 0.3 (rounded), as TF computes it.
  %p1:2 = graph.Const "p1"() {dtype = f32, value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %p2:2 = graph.Const "p2"() {dtype = f32, value = dense<0.2> : tensor<f32>} : () -> tensor<f32>
  // CHECK: graph.Const "sum_f"() {dtype = f32, value = dense<3.000000e-01> : tensor<f32>}
  %sf:2 = graph.AddV2 "sum_f"(%p1#0, %p2#0) {T = f32} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  // Integer FloorDiv rounds toward -inf.
  %i:2 = graph.Const "i"() {dtype = i32, value = dense<[-7, 7]> : tensor<2xi32>} : () -> tensor<2xi32>
  %two:2 = graph.Const "two"() {dtype = i32, value = dense<2> : tensor<i32>} : () -> tensor<i32>
  // CHECK: graph.Const "fdiv"() {dtype = i32, value = dense<[-4, 3]> : tensor<2xi32>}
  %fd:2 = graph.FloorDiv "fdiv"(%i#0, %two#0) {T = i32} : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>
  // Integer division by zero is a run-time error: not folded.
  %zero:2 = graph.Const "zero"() {dtype = i32, value = dense<0> : tensor<i32>} : () -> tensor<i32>
  // CHECK: graph.Div "div0"
  %d0:2 = graph.Div "div0"(%i#0, %zero#0) {T = i32} : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>
  // Shape of a statically shaped (non-constant) input.
  %x:2 = graph.Placeholder "x"() {dtype = f32} : () -> tensor<3x5xf32>
  // CHECK: graph.Const "shape"() {dtype = i32, value = dense<[3, 5]> : tensor<2xi32>}
  %sh:2 = graph.Shape "shape"(%x#0) {T = f32} : (tensor<3x5xf32>) -> tensor<2xi32>
  // Fill([2], 1.5)
  // CHECK: graph.Const "fill"() {dtype = f32, value = dense<1.500000e+00> : tensor<2xf32>}
  %dims:2 = graph.Const "dims"() {dtype = i32, value = dense<[2]> : tensor<1xi32>} : () -> tensor<1xi32>
  %v:2 = graph.Const "v"() {dtype = f32, value = dense<1.5> : tensor<f32>} : () -> tensor<f32>
  %fill:2 = graph.Fill "fill"(%dims#0, %v#0) {T = f32} : (tensor<1xi32>, tensor<f32>) -> tensor<*xf32>
  // Comparisons give bool; Cast converts.
  // CHECK: graph.Const "less"() {dtype = i1, value = dense<[true, false]> : tensor<2xi1>}
  %lt:2 = graph.Less "less"(%i#0, %two#0) {T = i32} : (tensor<2xi32>, tensor<i32>) -> tensor<2xi1>
  // CHECK: graph.Const "cast"() {dtype = f32, value = dense<[-7.000000e+00, 7.000000e+00]> : tensor<2xf32>}
  %cast:2 = graph.Cast "cast"(%i#0) {SrcT = i32, DstT = f32} : (tensor<2xi32>) -> tensor<2xf32>
  // Stateful ops are not evaluated.
  // CHECK: graph.RandomUniform "rand"
  %r:2 = graph.RandomUniform "rand"(%dims#0) {T = i32, dtype = f32} : (tensor<1xi32>) -> tensor<2xf32>
  // Folding cascades into consumers.
  // CHECK: graph.Const "use"() {dtype = f32, value = dense<{{\[\[}}-1.100000e+01, -2.200000e+01], [-1.300000e+01, -2.400000e+01]]> : tensor<2x2xf32>}
  %u:2 = graph.Neg "use"(%add#0) {T = f32} : (tensor<*xf32>) -> tensor<*xf32>
}

// After folding, DCE leaves the kept result, the stateful op and what it reads.
// DCE-NOT: graph.Const "a"
// DCE-NOT: graph.Const "b"
// DCE: graph.Const "dims"
// DCE: graph.RandomUniform "rand"
// DCE: graph.Const "use"
