/* checkpoint.c — llama2.c version-0 checkpoint reader (htx_checkpoint.h). */
#include "htx_checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_FIELDS 7
#define HEADER_BYTES (HEADER_FIELDS * 4)
#define SIZE_LIMIT (1 << 24)

static const char *const header_names[HEADER_FIELDS] = {
    "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len",
};

/* Tensors in file order. */
enum {
    T_EMB, T_RMS_ATT, T_WQ, T_WK, T_WV, T_WO, T_RMS_FFN, T_W1, T_W2, T_W3, T_RMS_FINAL,
    T_ROPE_REAL, T_ROPE_IMAG, T_WCLS, T_COUNT
};
static const char *const tensor_names[T_COUNT] = {
    "token_embedding", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3",
    "rms_final", "freq_cis_real", "freq_cis_imag", "wcls",
};
_Static_assert(sizeof tensor_names / sizeof tensor_names[0] == T_COUNT, "tensor_names");

int htx_ckpt_head_size(const htx_ckpt_config *c)
{
    return c->dim / c->n_heads;
}

int htx_ckpt_kv_dim(const htx_ckpt_config *c)
{
    return htx_ckpt_head_size(c) * c->n_kv_heads;
}

/* Floats of every tensor in file order (wcls 0 when shared). */
static void tensor_sizes(const htx_ckpt_config *c, uint64_t n[T_COUNT])
{
    const uint64_t L = (uint64_t)c->n_layers, d = (uint64_t)c->dim, h = (uint64_t)c->hidden_dim;
    const uint64_t kv = (uint64_t)htx_ckpt_kv_dim(c), v = (uint64_t)c->vocab_size;
    const uint64_t hs = (uint64_t)htx_ckpt_head_size(c);
    n[T_EMB] = v * d;
    n[T_RMS_ATT] = L * d;
    n[T_WQ] = L * d * d;
    n[T_WK] = L * kv * d;
    n[T_WV] = L * kv * d;
    n[T_WO] = L * d * d;
    n[T_RMS_FFN] = L * d;
    n[T_W1] = L * h * d;
    n[T_W2] = L * d * h;
    n[T_W3] = L * h * d;
    n[T_RMS_FINAL] = d;
    n[T_ROPE_REAL] = (uint64_t)c->seq_len * hs / 2;
    n[T_ROPE_IMAG] = (uint64_t)c->seq_len * hs / 2;
    n[T_WCLS] = c->shared_classifier ? 0 : v * d;
}

static bool is_rope(int t)
{
    return t == T_ROPE_REAL || t == T_ROPE_IMAG;
}

htx_status htx_ckpt_config_validate(const htx_ckpt_config *c, const char *file, htx_err *err)
{
    const int v[HEADER_FIELDS] = {c->dim,        c->hidden_dim, c->n_layers, c->n_heads,
                                  c->n_kv_heads, c->vocab_size, c->seq_len};
    for (int i = 0; i < HEADER_FIELDS; i++)
        if (v[i] < 1 || v[i] > SIZE_LIMIT)
            return htx_err_set(err, HTX_E_FORMAT, file, 0, header_names[i],
                               "expected an integer in [1, %d], got %d", SIZE_LIMIT, v[i]);
    if (c->dim % c->n_heads != 0)
        return htx_err_set(err, HTX_E_FORMAT, file, 0, "n_heads",
                           "n_heads %d must divide dim %d", c->n_heads, c->dim);
    if (htx_ckpt_head_size(c) % 2 != 0)
        return htx_err_set(err, HTX_E_FORMAT, file, 0, "n_heads",
                           "head size dim/n_heads = %d must be even (RoPE rotates pairs)",
                           htx_ckpt_head_size(c));
    if (c->n_heads % c->n_kv_heads != 0)
        return htx_err_set(err, HTX_E_FORMAT, file, 0, "n_kv_heads",
                           "n_kv_heads %d must divide n_heads %d", c->n_kv_heads, c->n_heads);
    return HTX_OK;
}

/* Point the tensor fields into ck->data (rope tables are not kept). */
static void assign_pointers(htx_checkpoint *ck, const uint64_t n[T_COUNT])
{
    float **slot[T_COUNT] = {
        &ck->token_embedding, &ck->rms_att, &ck->wq, &ck->wk, &ck->wv, &ck->wo, &ck->rms_ffn,
        &ck->w1, &ck->w2, &ck->w3, &ck->rms_final, NULL, NULL, &ck->wcls,
    };
    float *p = ck->data;
    for (int t = 0; t < T_COUNT; t++) {
        if (is_rope(t))
            continue;
        *slot[t] = p;
        p += n[t];
    }
    if (ck->cfg.shared_classifier)
        ck->wcls = ck->token_embedding;
}

static uint64_t kept_floats(const uint64_t n[T_COUNT])
{
    uint64_t total = 0;
    for (int t = 0; t < T_COUNT; t++)
        if (!is_rope(t))
            total += n[t];
    return total;
}

htx_status htx_checkpoint_alloc(const htx_ckpt_config *c, htx_checkpoint *ck, htx_err *err)
{
    memset(ck, 0, sizeof *ck);
    htx_status st = htx_ckpt_config_validate(c, NULL, err);
    if (st != HTX_OK)
        return st;
    uint64_t n[T_COUNT];
    tensor_sizes(c, n);
    ck->cfg = *c;
    ck->n_floats = kept_floats(n);
    ck->data = calloc(ck->n_floats, sizeof(float));
    if (!ck->data)
        return htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "cannot allocate %llu floats of weights",
                           (unsigned long long)ck->n_floats);
    assign_pointers(ck, n);
    return HTX_OK;
}

void htx_checkpoint_free(htx_checkpoint *ck)
{
    if (!ck)
        return;
    free(ck->data);
    memset(ck, 0, sizeof *ck);
}

static int32_t le_i32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                     ((uint32_t)p[3] << 24));
}

static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void swap_floats(float *x, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        unsigned char b[4], r[4];
        memcpy(b, &x[i], 4);
        r[0] = b[3], r[1] = b[2], r[2] = b[1], r[3] = b[0];
        memcpy(&x[i], r, 4);
    }
}

htx_status htx_checkpoint_load(const char *path, htx_checkpoint *ck, htx_err *err)
{
    htx_status st = HTX_OK;
    FILE *f = NULL;
    memset(ck, 0, sizeof *ck);

    f = fopen(path, "rb");
    if (!f) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open checkpoint for reading");
        goto out;
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot determine the file size");
        goto out;
    }
    long fsize = ftell(f);
    rewind(f);
    if (fsize < 0) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot determine the file size");
        goto out;
    }
    unsigned char hdr[HEADER_BYTES];
    if (fsize < HEADER_BYTES) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "header",
                         "file is %ld bytes, shorter than the %d-byte header of seven int32", fsize,
                         HEADER_BYTES);
        goto out;
    }
    if (fread(hdr, 1, HEADER_BYTES, f) != HEADER_BYTES) {
        st = htx_err_set(err, HTX_E_IO, path, 0, "header", "read error in the header");
        goto out;
    }
    int32_t h[HEADER_FIELDS];
    for (int i = 0; i < HEADER_FIELDS; i++)
        h[i] = le_i32(hdr + 4 * i);
    for (int i = 0; i < HEADER_FIELDS; i++) {
        int32_t v = h[i];
        bool ok = (i == 5) ? (v != 0 && v != INT32_MIN && (v < 0 ? -v : v) <= SIZE_LIMIT)
                           : (v >= 1 && v <= SIZE_LIMIT);
        if (!ok) {
            char key[64];
            snprintf(key, sizeof key, "%s (byte offset %d)", header_names[i], 4 * i);
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, key,
                             "expected an int32 in [1, %d]%s, got %d", SIZE_LIMIT,
                             i == 5 ? " (negative = untied classifier)" : "", (int)v);
            goto out;
        }
    }
    htx_ckpt_config c = {
        .dim = h[0], .hidden_dim = h[1], .n_layers = h[2], .n_heads = h[3], .n_kv_heads = h[4],
        .vocab_size = h[5] < 0 ? -h[5] : h[5], .seq_len = h[6], .shared_classifier = h[5] > 0,
    };
    st = htx_ckpt_config_validate(&c, path, err);
    if (st != HTX_OK)
        goto out;

    uint64_t n[T_COUNT];
    tensor_sizes(&c, n);
    uint64_t expect = HEADER_BYTES;
    for (int t = 0; t < T_COUNT; t++)
        expect += 4 * n[t];
    if ((uint64_t)fsize != expect) {
        char where[160] = "";
        if ((uint64_t)fsize < expect) {
            uint64_t off = HEADER_BYTES;
            for (int t = 0; t < T_COUNT; t++) {
                if ((uint64_t)fsize < off + 4 * n[t]) {
                    snprintf(where, sizeof where, "; it ends inside tensor %s (bytes %llu..%llu)",
                             tensor_names[t], (unsigned long long)off,
                             (unsigned long long)(off + 4 * n[t]));
                    break;
                }
                off += 4 * n[t];
            }
        } else {
            snprintf(where, sizeof where, "; %llu unexpected trailing bytes",
                     (unsigned long long)((uint64_t)fsize - expect));
        }
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "size",
                         "file is %ld bytes but the header (dim %d, hidden_dim %d, n_layers %d, "
                         "n_heads %d, n_kv_heads %d, vocab_size %d, seq_len %d) implies %llu%s",
                         fsize, h[0], h[1], h[2], h[3], h[4], h[5], h[6],
                         (unsigned long long)expect, where);
        goto out;
    }

    st = htx_checkpoint_alloc(&c, ck, err);
    if (st != HTX_OK)
        goto out;
    float *p = ck->data;
    for (int t = 0; t < T_COUNT; t++) {
        if (is_rope(t)) {
            if (fseek(f, (long)(4 * n[t]), SEEK_CUR) != 0) {
                st = htx_err_set(err, HTX_E_IO, path, 0, tensor_names[t], "seek error");
                goto out;
            }
            continue;
        }
        if (fread(p, sizeof(float), n[t], f) != n[t]) {
            st = htx_err_set(err, HTX_E_IO, path, 0, tensor_names[t], "read error");
            goto out;
        }
        p += n[t];
    }
    if (!host_is_little_endian())
        swap_floats(ck->data, ck->n_floats);

out:
    if (f)
        fclose(f);
    if (st != HTX_OK)
        htx_checkpoint_free(ck);
    return st;
}
