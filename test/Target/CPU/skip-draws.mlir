// RUN: graph-opt %s --kiln-cpu-skip-unused-draws | FileCheck %s

#s = affine_map<(d0, d1) -> ()>
#id = affine_map<(d0, d1) -> (d0, d1)>

// TF's dropout, fused: x / keep * floor(keep + u). At keep 1, floor(1 + u)
// is 1 for every u in [0, 1 - 2^-23]: the draw is skipped when keep is 1.
// (Asking for its dims, as shape checks do, reads no value.)
// CHECK-LABEL: func.func @dropout
// CHECK: %[[KEEP:.*]] = kiln_rt.feed %arg0[1] : tensor<f32>
// CHECK: %[[K:.*]] = tensor.extract %[[KEEP]][] : tensor<f32>
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[IS1:.*]] = arith.cmpf oeq, %[[K]], %[[ONE]] : f32
// CHECK: kiln_rt.random %arg0[0], %{{.*}} skip if %[[IS1]] {dist = 0 : i32
func.func @dropout(%f: !kiln_rt.frame) -> (tensor<4x8xf32>, index) {
  %c0 = arith.constant 0 : index
  %x = kiln_rt.feed %f[0] : tensor<4x8xf32>
  %keep = kiln_rt.feed %f[1] : tensor<f32>
  %shape = arith.constant dense<[4, 8]> : tensor<2xi32>
  %u = kiln_rt.random %f[0], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<4x8xf32>
  %n = tensor.dim %u, %c0 : tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #s, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %keep, %u : tensor<4x8xf32>, tensor<f32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%v: f32, %k: f32, %w: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %zero = arith.constant 0.0 : f32
    %scaled = arith.mulf %w, %one : f32
    %shifted = arith.addf %scaled, %zero : f32
    %a = arith.addf %k, %shifted : f32
    %fl = math.floor %a : f32
    %d = arith.divf %v, %k : f32
    %m = arith.mulf %d, %fl : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %r, %n : tensor<4x8xf32>, index
}

// floor(keep + 2u) takes 1, 2 and 3 at keep 1: the values matter.
// CHECK-LABEL: func.func @wider
// CHECK-NOT: skip if
// CHECK: return
func.func @wider(%f: !kiln_rt.frame) -> tensor<4x8xf32> {
  %keep = kiln_rt.feed %f[1] : tensor<f32>
  %shape = arith.constant dense<[4, 8]> : tensor<2xi32>
  %u = kiln_rt.random %f[0], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [#s, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%keep, %u : tensor<f32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%k: f32, %w: f32, %o: f32):
    %two = arith.constant 2.0 : f32
    %w2 = arith.mulf %w, %two : f32
    %a = arith.addf %k, %w2 : f32
    %fl = math.floor %a : f32
    linalg.yield %fl : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// The draw reaches the result other than through the floor.
// CHECK-LABEL: func.func @used
// CHECK-NOT: skip if
// CHECK: return
func.func @used(%f: !kiln_rt.frame) -> tensor<4x8xf32> {
  %keep = kiln_rt.feed %f[1] : tensor<f32>
  %shape = arith.constant dense<[4, 8]> : tensor<2xi32>
  %u = kiln_rt.random %f[0], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [#s, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%keep, %u : tensor<f32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%k: f32, %w: f32, %o: f32):
    %a = arith.addf %k, %w : f32
    %fl = math.floor %a : f32
    %m = arith.mulf %fl, %w : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// A normal draw is no uniform in [0, 1); a draw with two users, a scalar
// fed after the draw: left alone.
// CHECK-LABEL: func.func @not_these
// CHECK-NOT: skip if
// CHECK: return
func.func @not_these(%f: !kiln_rt.frame) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %keep = kiln_rt.feed %f[1] : tensor<f32>
  %shape = arith.constant dense<[4, 8]> : tensor<2xi32>
  %e = tensor.empty() : tensor<4x8xf32>
  %n = kiln_rt.random %f[0], %shape {dist = 1 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<4x8xf32>
  %r1 = linalg.generic {indexing_maps = [#s, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%keep, %n : tensor<f32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%k: f32, %w: f32, %o: f32):
    %a = arith.addf %k, %w : f32
    %fl = math.floor %a : f32
    linalg.yield %fl : f32
  } -> tensor<4x8xf32>
  %u = kiln_rt.random %f[1], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<4x8xf32>
  %r2 = linalg.generic {indexing_maps = [#s, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%keep, %u : tensor<f32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%k: f32, %w: f32, %o: f32):
    %a = arith.addf %k, %w : f32
    %fl = math.floor %a : f32
    linalg.yield %fl : f32
  } -> tensor<4x8xf32>
  %u2 = kiln_rt.random %f[2], %shape {dist = 0 : i32, dtype = 1 : i32, shape_dtype = 3 : i32} : tensor<2xi32> -> tensor<4x8xf32>
  %late = kiln_rt.feed %f[2] : tensor<f32>
  %r3 = linalg.generic {indexing_maps = [#s, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%late, %u2 : tensor<f32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%k: f32, %w: f32, %o: f32):
    %a = arith.addf %k, %w : f32
    %fl = math.floor %a : f32
    linalg.yield %fl : f32
  } -> tensor<4x8xf32>
  kiln_rt.fetch %f[0], %u {dtype = 1 : i32} : tensor<4x8xf32>
  return %r1, %r2, %r3 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
