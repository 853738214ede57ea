/* tokenizer.c — llama2.c tokenizer reader and decoder (htx_tokenizer.h). */
#include "htx_tokenizer.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read 4 little-endian bytes at the current offset; false at end of file. */
static bool read_u32(FILE *f, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4)
        return false;
    *v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
    return true;
}

/* Bottom-up merge sort of ids by strcmp of their pieces (stable; qsort has
 * no context argument in C11).  False if the scratch cannot be allocated. */
static bool sort_ids(int *ids, int n, char *const *pieces)
{
    int *tmp = malloc((size_t)n * sizeof *tmp);
    if (!tmp)
        return false;
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = strcmp(pieces[ids[a]], pieces[ids[b]]) <= 0 ? ids[a++] : ids[b++];
            while (a < mid)
                tmp[k++] = ids[a++];
            while (b < hi)
                tmp[k++] = ids[b++];
        }
        memcpy(ids, tmp, (size_t)n * sizeof *ids);
    }
    free(tmp);
    return true;
}

void htx_tokenizer_free(htx_tokenizer *t)
{
    if (!t)
        return;
    if (t->pieces)
        for (int i = 0; i < t->vocab_size; i++)
            free(t->pieces[i]);
    free(t->pieces);
    free(t->piece_len);
    free(t->scores);
    free(t->sorted);
    memset(t, 0, sizeof *t);
}

htx_status htx_tokenizer_load(const char *path, int vocab_size, htx_tokenizer *t, htx_err *err)
{
    htx_status st = HTX_OK;
    FILE *f = NULL;
    memset(t, 0, sizeof *t);
    for (int b = 0; b < 256; b++) {
        t->byte_pieces[b][0] = (char)b;
        t->byte_pieces[b][1] = '\0';
    }
    if (vocab_size < 1) {
        st = htx_err_set(err, HTX_E_INVAL, path, 0, "vocab_size", "expected >= 1, got %d",
                         vocab_size);
        goto out;
    }
    f = fopen(path, "rb");
    if (!f) {
        st = htx_err_set(err, HTX_E_IO, path, 0, NULL, "cannot open tokenizer for reading");
        goto out;
    }
    uint32_t u;
    if (!read_u32(f, &u)) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "max_token_length (byte offset 0)",
                         "file too short for the int32 max_token_length");
        goto out;
    }
    int32_t max_len = (int32_t)u;
    if (max_len < 1 || max_len > 65536) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "max_token_length (byte offset 0)",
                         "expected an int32 in [1, 65536], got %d", (int)max_len);
        goto out;
    }
    t->max_token_length = max_len;
    t->vocab_size = vocab_size;
    t->pieces = calloc((size_t)vocab_size, sizeof *t->pieces);
    t->piece_len = calloc((size_t)vocab_size, sizeof *t->piece_len);
    t->scores = calloc((size_t)vocab_size, sizeof *t->scores);
    if (!t->pieces || !t->piece_len || !t->scores) {
        st = htx_err_set(err, HTX_E_NOMEM, path, 0, NULL, "cannot allocate %d tokens", vocab_size);
        goto out;
    }
    long off = 4;
    for (int i = 0; i < vocab_size; i++) {
        char key[64];
        snprintf(key, sizeof key, "token %d (byte offset %ld)", i, off);
        uint32_t score_bits, len_bits;
        if (!read_u32(f, &score_bits) || !read_u32(f, &len_bits)) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, key,
                             "file ends before the score and length of token %d of %d", i,
                             vocab_size);
            goto out;
        }
        memcpy(&t->scores[i], &score_bits, sizeof(float));
        int32_t len = (int32_t)len_bits;
        if (len < 0 || len > max_len) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, key,
                             "byte length %d outside [0, max_token_length %d]", (int)len,
                             (int)max_len);
            goto out;
        }
        t->pieces[i] = malloc((size_t)len + 1);
        if (!t->pieces[i]) {
            st = htx_err_set(err, HTX_E_NOMEM, path, 0, key, "cannot allocate the piece");
            goto out;
        }
        if (fread(t->pieces[i], 1, (size_t)len, f) != (size_t)len) {
            st = htx_err_set(err, HTX_E_FORMAT, path, 0, key,
                             "file ends inside the %d bytes of the piece", (int)len);
            goto out;
        }
        t->pieces[i][len] = '\0';
        t->piece_len[i] = len;
        off += 8 + len;
    }
    /* ids sorted by piece bytes for encoding (stable: ties by lower id) */
    t->sorted = malloc((size_t)vocab_size * sizeof *t->sorted);
    for (int i = 0; t->sorted && i < vocab_size; i++)
        t->sorted[i] = i;
    if (!t->sorted || !sort_ids(t->sorted, vocab_size, t->pieces)) {
        st = htx_err_set(err, HTX_E_NOMEM, path, 0, NULL, "cannot allocate the sorted vocabulary");
        goto out;
    }
    if (fgetc(f) != EOF) {
        st = htx_err_set(err, HTX_E_FORMAT, path, 0, "size",
                         "unexpected trailing bytes after token %d ending at byte offset %ld",
                         vocab_size - 1, off);
        goto out;
    }
out:
    if (f)
        fclose(f);
    if (st != HTX_OK)
        htx_tokenizer_free(t);
    return st;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

const char *htx_tokenizer_decode(const htx_tokenizer *t, int prev_token, int token, int *len)
{
    if (token < 0 || token >= t->vocab_size)
        return NULL;
    const char *p = t->pieces[token];
    int n = t->piece_len[token];
    if (prev_token == HTX_TOKEN_BOS && n > 0 && p[0] == ' ') {
        p++;
        n--;
    }
    /* raw byte piece "<0xXX>" */
    if (n == 6 && p[0] == '<' && p[1] == '0' && p[2] == 'x' && p[5] == '>') {
        int hi = hex_digit(p[3]), lo = hex_digit(p[4]);
        if (hi >= 0 && lo >= 0) {
            int b = hi * 16 + lo;
            if (len)
                *len = b == 0 ? 0 : 1;
            return t->byte_pieces[b];
        }
    }
    if (len)
        *len = n;
    return p;
}
