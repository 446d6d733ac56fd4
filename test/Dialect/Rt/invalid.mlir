// RUN: graph-opt %s --split-input-file --verify-diagnostics

func.func @kernel_inputs(%f: !kiln_rt.frame, %s: !kiln_rt.value) {
  // expected-error @+1 {{input_slots takes 2 inputs from operands, but there are 1}}
  %k = kiln_rt.kernel %f(%s) {dtypes = array<i32: 7>, input_slots = array<i64: -1, -1>, node_def = "", own_slot = -1 : i64} : (!kiln_rt.value) -> (!kiln_rt.value)
  return
}

// -----

func.func @read_type(%f: !kiln_rt.frame) {
  // expected-error @+1 {{result #0 must be ranked tensor of any type values or memref of any type values}}
  %r = kiln_rt.read %f[0] : !kiln_rt.value
  return
}
