/* htx_vector.c — element-wise and reduction kernels (see htx_vector.h). */
#include "htx_vector.h"

#include <math.h>

#include "htx_err.h"

void htx_rmsnorm(float *out, const float *x, const float *w, size_t n, float eps)
{
    float ss = 0.0f;
    for (size_t i = 0; i < n; i++)
        ss += x[i] * x[i];
    ss /= (float)n;
    ss += eps;
    float inv = 1.0f / sqrtf(ss);
    for (size_t i = 0; i < n; i++)
        out[i] = w[i] * (inv * x[i]);
}

void htx_rope(float *v, size_t n, size_t head_dim, int pos, float theta)
{
    HTX_ASSERT(head_dim % 2 == 0 && n % head_dim == 0);
    for (size_t i = 0; i < n; i += 2) {
        size_t d = i % head_dim;
        float freq = 1.0f / powf(theta, (float)d / (float)head_dim);
        float angle = (float)pos * freq;
        float c = cosf(angle), s = sinf(angle);
        float a = v[i], b = v[i + 1];
        v[i] = a * c - b * s;
        v[i + 1] = a * s + b * c;
    }
}

void htx_softmax(float *x, size_t n)
{
    if (n == 0)
        return;
    float mx = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > mx)
            mx = x[i];
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    for (size_t i = 0; i < n; i++)
        x[i] /= sum;
}

void htx_silu(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] * (1.0f / (1.0f + expf(-x[i])));
}

void htx_gelu(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

void htx_gelu_tanh(float *x, size_t n)
{
    const float k = 0.79788456080286536f; /* sqrt(2/pi) */
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
    }
}

void htx_swiglu(float *gate, const float *up, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float g = gate[i];
        g = g * (1.0f / (1.0f + expf(-g)));
        gate[i] = g * up[i];
    }
}

void htx_add(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

size_t htx_argmax(const float *x, size_t n)
{
    HTX_ASSERT(n > 0);
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && (best == n || x[i] > x[best]))
            best = i;
    return best == n ? 0 : best;
}

size_t htx_topk(const float *x, size_t n, size_t k, uint32_t *idx, float *val)
{
    HTX_ASSERT(k <= n);
    if (k == 0)
        return 0;
    size_t m = 0; /* entries held, sorted descending */
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            continue;
        if (m == k && !(x[i] > val[k - 1]))
            continue; /* not better than the current k-th (ties: lower index stays) */
        size_t p = m < k ? m++ : k - 1;
        while (p > 0 && x[i] > val[p - 1]) {
            val[p] = val[p - 1];
            idx[p] = idx[p - 1];
            p--;
        }
        val[p] = x[i];
        idx[p] = (uint32_t)i;
    }
    return m;
}
