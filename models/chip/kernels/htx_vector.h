/* htx_vector.h — element-wise and reduction kernels of a transformer layer.
 *
 * All vectors are fp32, passed as pointer + length (elements).  Every
 * reduction runs in fp32 in ascending index order (deterministic).  In-place
 * use (out == x) is allowed where noted.
 */
#ifndef HTX_VECTOR_H
#define HTX_VECTOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out[i] = w[i] * x[i] / sqrt(mean(x^2) + eps), n elements; out may be x. */
void htx_rmsnorm(float *out, const float *x, const float *w, size_t n, float eps);

/* Rotary position embedding, llama2.c convention: consecutive (interleaved)
 * pairs (v[i], v[i+1]), i even, are rotated by angle pos * theta^(-(i % head_dim) / head_dim).
 * v holds n / head_dim whole heads (n and head_dim even); in place. */
void htx_rope(float *v, size_t n, size_t head_dim, int pos, float theta);

/* Numerically stable softmax over x[n], in place (max subtracted first). */
void htx_softmax(float *x, size_t n);

/* x[i] = x[i] * sigmoid(x[i]), in place. */
void htx_silu(float *x, size_t n);
/* x[i] = 0.5 x (1 + erf(x / sqrt 2)) (exact GELU), in place. */
void htx_gelu(float *x, size_t n);
/* x[i] = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (tanh approximation), in place. */
void htx_gelu_tanh(float *x, size_t n);
/* SwiGLU gate: gate[i] = silu(gate[i]) * up[i], n elements, in place on gate. */
void htx_swiglu(float *gate, const float *up, size_t n);

/* y[i] += x[i] (residual add / partial-sum reduction). */
void htx_add(float *y, const float *x, size_t n);

/* Index of the largest x[i]; the lowest index wins ties; NaN is never
 * chosen unless every element is NaN (then 0).  n must be > 0. */
size_t htx_argmax(const float *x, size_t n);
/* The k largest elements of x[n] in descending order, ties by lower index,
 * NaN ignored: idx[k], val[k].  k <= n; returns the number written
 * (< k only if x holds fewer than k non-NaN values). */
size_t htx_topk(const float *x, size_t n, size_t k, uint32_t *idx, float *val);

#ifdef __cplusplus
}
#endif
#endif
