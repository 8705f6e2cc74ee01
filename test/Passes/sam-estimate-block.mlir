// --step-sam-estimate on a blocked lowering (--step-lower-sparse block=16):
// SpMV over a 64 x 64 CSR matrix blocked into a 4 x 4 grid with 10 stored
// 16 x 16 blocks in 4 non-empty block rows. By hand: the compressed scan
// reads 8 B of seg per block row and 4 B per block coordinate (4 * 8 +
// 10 * 4 = 72); A's blocks 10 * 256 numbers, x's [16, 1] pieces 10 * 16
// (4 B each: 10240 + 640); each block product is a [16, 16] x [16, 1]
// matmul, 2 * 16 * 16 = 512 FLOPs (5120), the reduce adds (10 - 4) [16, 1]
// tiles (96); y is written as 4 tiles of 16 numbers (256 B).
// RUN: printf '# TENSOR MODE EXTENT FIBERS CRDS NONEMPTY\nA 1 4 4 10 4\n' > %t.stats
// RUN: step-opt %s --step-lower-sparse=block=16 --step-sam-estimate="stats=%t.stats" -o /dev/null | FileCheck %s
// CHECK: sam estimate @spmv_sam: flops 5216, bytes read 10952, written 256
// Row max of a dense 32 x 32 in 2 x 2 blocks: row_max counts one FLOP per
// input element (4 * 256), the reduce max (2 - 1) [16, 1] tiles per block
// row (2 * 16); 4 blocks read (4096 B), 2 [16, 1] tiles written (128 B).
// CHECK: sam estimate @rowmax_sam: flops 1056, bytes read 4096, written 128

#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
func.func @spmv(%A: tensor<64x64xf32, #CSR> loc("A"), %x: tensor<64xf32> loc("x")) -> tensor<64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %y0 = linalg.fill ins(%z : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %y = linalg.matvec ins(%A, %x : tensor<64x64xf32, #CSR>, tensor<64xf32>) outs(%y0 : tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

func.func @rowmax(%s: tensor<32x32xf32> loc("s")) -> tensor<32xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<32xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<32xf32>) -> tensor<32xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<32x32xf32>) outs(%f : tensor<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %x = arith.maximumf %o, %a : f32
    linalg.yield %x : f32
  } -> tensor<32xf32>
  return %m : tensor<32xf32>
}
