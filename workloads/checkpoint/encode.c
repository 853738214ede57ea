/* encode.c — byte-pair encoding of text with a loaded htx_tokenizer
 * (algorithm of llama2.c's encode(), written anew; see htx_tokenizer.h). */
#include "htx_tokenizer.h"

#include <stdlib.h>
#include <string.h>

/* Id of the piece equal to str (NUL-terminated), or -1; t->sorted is sorted
 * by strcmp of the pieces. */
static int lookup(const htx_tokenizer *t, const char *str)
{
    int lo = 0, hi = t->vocab_size - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(str, t->pieces[t->sorted[mid]]);
        if (c == 0)
            return t->sorted[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

static htx_status push(int *tokens, int max_tokens, int *n, int id, htx_err *err)
{
    if (*n >= max_tokens)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "max_tokens",
                           "token buffer of %d is too small for the encoded text", max_tokens);
    tokens[(*n)++] = id;
    return HTX_OK;
}

htx_status htx_tokenizer_encode(const htx_tokenizer *t, const char *text, bool bos, bool eos,
                                int *tokens, int max_tokens, int *n_tokens, htx_err *err)
{
    htx_status st = HTX_OK;
    int n = 0;
    /* a code point (<= 4 bytes) or the concatenation of two pieces */
    char *buf = malloc((size_t)t->max_token_length * 2 + 8);
    if (!buf) {
        st = htx_err_set(err, HTX_E_NOMEM, NULL, 0, NULL, "cannot allocate the encode buffer");
        goto out;
    }
    if (bos && (st = push(tokens, max_tokens, &n, HTX_TOKEN_BOS, err)) != HTX_OK)
        goto out;
    const int first = n;
    if (text[0] != '\0') { /* SentencePiece's dummy prefix */
        int space = lookup(t, " ");
        if (space >= 0 && (st = push(tokens, max_tokens, &n, space, err)) != HTX_OK)
            goto out;
    }

    /* one token per UTF-8 code point, with byte fallback */
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t len = 1;
        while (len < 4 && (p[len] & 0xc0u) == 0x80u) /* continuation bytes */
            len++;
        memcpy(buf, p, len);
        buf[len] = '\0';
        int id = lookup(t, buf);
        if (id >= 0) {
            if ((st = push(tokens, max_tokens, &n, id, err)) != HTX_OK)
                goto out;
        } else {
            for (size_t i = 0; i < len; i++) {
                static const char hex[] = "0123456789ABCDEF";
                char piece[7] = {'<', '0', 'x', hex[p[i] >> 4], hex[p[i] & 0xfu], '>', '\0'};
                int bid = lookup(t, piece);
                if (bid < 0) {
                    st = htx_err_set(err, HTX_E_INVAL, NULL, 0, "text",
                                     "byte 0x%02X has no piece %s in the vocabulary", p[i], piece);
                    goto out;
                }
                if ((st = push(tokens, max_tokens, &n, bid, err)) != HTX_OK)
                    goto out;
            }
        }
        p += len;
    }

    /* merge the best-scoring adjacent pair until no pair is a piece */
    for (;;) {
        float best_score = -1e30f;
        int best_id = -1, best_at = -1;
        for (int i = first; i + 1 < n; i++) {
            size_t la = (size_t)t->piece_len[tokens[i]], lb = (size_t)t->piece_len[tokens[i + 1]];
            if (la + lb > (size_t)t->max_token_length)
                continue;
            memcpy(buf, t->pieces[tokens[i]], la);
            memcpy(buf + la, t->pieces[tokens[i + 1]], lb);
            buf[la + lb] = '\0';
            int id = lookup(t, buf);
            if (id >= 0 && t->scores[id] > best_score) {
                best_score = t->scores[id];
                best_id = id;
                best_at = i;
            }
        }
        if (best_at < 0)
            break;
        tokens[best_at] = best_id;
        memmove(&tokens[best_at + 1], &tokens[best_at + 2], (size_t)(n - best_at - 2) * sizeof(int));
        n--;
    }
    if (eos && (st = push(tokens, max_tokens, &n, HTX_TOKEN_EOS, err)) != HTX_OK)
        goto out;
out:
    free(buf);
    *n_tokens = st == HTX_OK ? n : 0;
    return st;
}
