// RUN: graph-opt %s --kiln-cpu-fusion | FileCheck %s
// S1's predict signature as the lowering writes it: each op's output shape
// is a tensor.dim of its producer's result, a second use that keeps the
// producer from fusing until canonicalization folds it to the dims of the
// feed. Canonicalized first, the forward pass is four loops (the three
// dropout-and-ReLU chains and the ArgMax), not eighteen.
// RUN: graph-translate --graphdef-to-mlir %kiln_src/examples/mnist_mlp/model.meta.pbtxt \
// RUN:   | graph-opt --graph-infer-shapes \
// RUN:       --graph-session-form="signatures={predict: feed=Placeholder[?,784],Placeholder_2[],Placeholder_3[] fetch=ArgMax}" \
// RUN:       --convert-graph-to-linalg --kiln-cpu-fusion | grep -c linalg.generic | FileCheck %s --check-prefix=S1
// S1: {{^}}4{{$}}

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

// TF's dropout with a dynamic batch: keep + uniform, floor, x / keep, times
// the mask: one loop.
#s = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @dropout
// CHECK: kiln_rt.random
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK: arith.divf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: kiln_rt.fetch
func.func @dropout(%f: !kiln_rt.frame) {
  %c0 = arith.constant 0 : index
  %x = kiln_rt.feed %f[0] : tensor<?x784xf32>
  %keep = kiln_rt.feed %f[1] : tensor<f32>
  %shape = arith.constant dense<[128, 784]> : tensor<2xi32>
  %u = kiln_rt.random %f[0], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<?x784xf32>
  %n1 = tensor.dim %u, %c0 : tensor<?x784xf32>
  %e1 = tensor.empty(%n1) : tensor<?x784xf32>
  %r = linalg.generic {indexing_maps = [#s, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%keep, %u : tensor<f32>, tensor<?x784xf32>) outs(%e1 : tensor<?x784xf32>) {
  ^bb0(%k: f32, %v: f32, %o: f32):
    %a = arith.addf %k, %v : f32
    linalg.yield %a : f32
  } -> tensor<?x784xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<?x784xf32>) outs(%e1 : tensor<?x784xf32>) {
  ^bb0(%v: f32, %o: f32):
    %fl = math.floor %v : f32
    linalg.yield %fl : f32
  } -> tensor<?x784xf32>
  %n3 = tensor.dim %x, %c0 : tensor<?x784xf32>
  %e3 = tensor.empty(%n3) : tensor<?x784xf32>
  %d = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %keep : tensor<?x784xf32>, tensor<f32>) outs(%e3 : tensor<?x784xf32>) {
  ^bb0(%v: f32, %k: f32, %o: f32):
    %q = arith.divf %v, %k : f32
    linalg.yield %q : f32
  } -> tensor<?x784xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d, %m : tensor<?x784xf32>, tensor<?x784xf32>) outs(%e3 : tensor<?x784xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    linalg.yield %p : f32
  } -> tensor<?x784xf32>
  kiln_rt.fetch %f[0], %y {dtype = 1 : i32} : tensor<?x784xf32>
  return
}
