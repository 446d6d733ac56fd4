// RUN: graph-opt %s --graph-session-form="signatures={f: feed=x,y fetch=z}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// Broadcasting add: the [3] operand is read along the last dim; feeds come
// from and fetches go to the runtime.
// CHECK-LABEL: func.func @f(%{{.*}}: !llvm.ptr)
// CHECK: call @kiln_rt_feed
// CHECK: call @kiln_rt_data
// CHECK: builtin.unrealized_conversion_cast
// CHECK: memref.view
// CHECK: bufferization.to_tensor
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
// CHECK: call @kiln_rt_arg
// CHECK: call @kiln_rt_fetch
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<2x3>} : () -> tensor<2x3xf32>
  %y:2 = graph.Placeholder "y"() {dtype = f32, shape = #graph.shape<3>} : () -> tensor<3xf32>
  %z:2 = graph.Add "z"(%x#0, %y#0) {T = f32} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
}
