// RUN: graph-opt %s --kiln-cpu-fusion | FileCheck %s

// The bias add and the ReLU after it become one pass over the data.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @bias_relu
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<128x625xf32>, tensor<625xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: kiln_rt.fetch
func.func @bias_relu(%f: !kiln_rt.frame) {
  %x = kiln_rt.feed %f[0] : tensor<128x625xf32>
  %b = kiln_rt.read %f[0] : tensor<625xf32>
  %e = tensor.empty() : tensor<128x625xf32>
  %s = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<128x625xf32>, tensor<625xf32>) outs(%e : tensor<128x625xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<128x625xf32>
  %e2 = tensor.empty() : tensor<128x625xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<128x625xf32>) outs(%e2 : tensor<128x625xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %a, %z : f32
    linalg.yield %r : f32
  } -> tensor<128x625xf32>
  kiln_rt.fetch %f[0], %y {dtype = 1 : i32} : tensor<128x625xf32>
  return
}
