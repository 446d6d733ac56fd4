// RUN: graph-opt %s --graph-cleanup="keep=kept_id" | FileCheck %s

// CHECK-LABEL: graph.graph
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32} : () -> tensor<f32>
  %c:2 = graph.Const "c"() {dtype = f32, value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  // Bypassed: consumers read x, and ^id becomes ^x.
  // CHECK-NOT: graph.Identity "id"
  %id:2 = graph.Identity "id"(%x#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // CHECK: graph.Neg "neg"(%x#0) [%x#1]
  %neg:2 = graph.Neg "neg"(%id#0) [%id#1] {T = f32} : (tensor<f32>) -> tensor<f32>
  // An identity with a control input keeps the ordering it imposes.
  // CHECK: graph.Identity "gated"(%x#0) [%c#1]
  %gated:2 = graph.Identity "gated"(%x#0) [%gate] {T = f32} : (tensor<f32>) -> tensor<f32>
  %use:2 = graph.Neg "use_gated"(%gated#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // Reading a variable (ref -> value) is not a plain identity.
  // CHECK: graph.Identity "v/read"
  %v:2 = graph.VariableV2 "v"() {dtype = f32, shape = #graph.shape<>} : () -> tensor<!graph.ref<f32>>
  %read:2 = graph.Identity "v/read"(%v#0) {T = f32} : (tensor<!graph.ref<f32>>) -> tensor<f32>
  %use2:2 = graph.Neg "use_read"(%read#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // Listed in keep: stays.
  // CHECK: graph.Identity "kept_id"
  %k:2 = graph.Identity "kept_id"(%c#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  %use3:2 = graph.Neg "use_kept"(%k#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // A leaf identity is a fetch: stays.
  // CHECK: graph.Identity "output"
  %out:2 = graph.Identity "output"(%neg#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // The NoOp hub dissolves: waiting on it means waiting on both inputs.
  // CHECK-NOT: graph.NoOp "hub"
  %hub = graph.NoOp "hub"() [%neg#1, %c#1] : () -> ()
  // CHECK: graph.NoOp "after"() [%neg#1, %c#1]
  %after = graph.NoOp "after"() [%hub] : () -> ()
  // A NoOp hub with one input: ^gate becomes ^c.
  // CHECK-NOT: graph.NoOp "gate"
  %gate = graph.NoOp "gate"() [%c#1] : () -> ()
  // A leaf NoOp is a target (like `init`): stays.
  // CHECK: graph.NoOp "init"
  %init = graph.NoOp "init"() : () -> ()
}
