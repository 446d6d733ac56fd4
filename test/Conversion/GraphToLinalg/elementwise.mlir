// RUN: graph-opt %s --graph-session-form="signatures={f: feed=x,y fetch=z}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// Broadcasting add: the [3] operand is read along the last dim; feeds come
// from and fetches go to the runtime as kiln_rt ops on tensors.
// CHECK-LABEL: func.func @f(
// CHECK-SAME: %[[F:.*]]: !kiln_rt.frame)
// CHECK: %[[X:.*]] = kiln_rt.feed %[[F]][0] : tensor<2x3xf32>
// CHECK: %[[Y:.*]] = kiln_rt.feed %[[F]][1] : tensor<3xf32>
// CHECK: %[[Z:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[Y]] :
// CHECK: arith.addf
// CHECK: kiln_rt.fetch %[[F]][0], %[[Z]] {dtype = 1 : i32} : tensor<2x3xf32>
// CHECK-NOT: llvm.
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<2x3>} : () -> tensor<2x3xf32>
  %y:2 = graph.Placeholder "y"() {dtype = f32, shape = #graph.shape<3>} : () -> tensor<3xf32>
  %z:2 = graph.Add "z"(%x#0, %y#0) {T = f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
}
