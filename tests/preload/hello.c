/*
 * hello.c - a C program for tests/preload/gcc.sh to compile with -O2: a
 * few hundred lines, so that cc1 builds and optimises real trees (inlining,
 * loops, switches, structs) rather than a five-line main. Deterministic
 * output: counts and checksums. The generated part (kernel_*) was written
 * once by a script and is plain C.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a chained hash table of strings ------------------------------------ */

struct entry {
    struct entry *next;
    char *key;
    unsigned long count;
};

struct table {
    struct entry **buckets;
    size_t nbuckets, size;
};

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static void table_grow(struct table *t)
{
    size_t n = t->nbuckets ? t->nbuckets * 2 : 16;
    struct entry **b = calloc(n, sizeof *b);
    if (b == NULL)
        exit(3);
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct entry *e = t->buckets[i];
        while (e != NULL) {
            struct entry *next = e->next;
            size_t k = hash_str(e->key) & (n - 1);
            e->next = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p == NULL)
        exit(3);
    return memcpy(p, s, n);
}

static void table_add(struct table *t, const char *key)
{
    if (t->size >= t->nbuckets)
        table_grow(t);
    size_t k = hash_str(key) & (t->nbuckets - 1);
    for (struct entry *e = t->buckets[k]; e != NULL; e = e->next)
        if (strcmp(e->key, key) == 0) {
            e->count++;
            return;
        }
    struct entry *e = malloc(sizeof *e);
    if (e == NULL)
        exit(3);
    e->key = copy_string(key);
    e->count = 1;
    e->next = t->buckets[k];
    t->buckets[k] = e;
    t->size++;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct entry *e = t->buckets[i];
        while (e != NULL) {
            struct entry *next = e->next;
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(t->buckets);
}

/* ---- sorting ------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a;
    const struct entry *y = *(const struct entry *const *)b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

static void insertion_sort(int *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void quick_sort(int *v, size_t n)
{
    while (n > 16) {
        int pivot = v[n / 2];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            int t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        quick_sort(v, j + 1);
        v += j + 1;
        n -= j + 1;
    }
    insertion_sort(v, n);
}

/* ---- a tiny stack machine ------------------------------------------------ */

enum op { OP_PUSH, OP_ADD, OP_MUL, OP_XOR, OP_DUP, OP_SWAP, OP_DROP, OP_JNZ, OP_DEC, OP_HALT };

struct insn {
    enum op op;
    long arg;
};

static long run_machine(const struct insn *prog, long start)
{
    long stack[64];
    int sp = 0;
    stack[sp++] = start;
    for (size_t pc = 0;;) {
        const struct insn *in = &prog[pc++];
        switch (in->op) {
        case OP_PUSH: stack[sp++] = in->arg; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] = (stack[sp - 1] * stack[sp]) % 1000003; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } break;
        case OP_DROP: sp--; break;
        case OP_DEC: stack[sp - 1]--; break;
        case OP_JNZ: if (stack[sp - 1] != 0) pc = (size_t)in->arg; break;
        case OP_HALT: return stack[sp - 1];
        }
    }
}

/* ---- generated kernels --------------------------------------------------- */

static uint32_t kernel_0(uint32_t x)
{
    uint32_t acc = 657u;
    for (unsigned i = 0; i < 25; i++)
        acc = (acc * 117u + x + i) ^ (acc >> 2);
    return acc;
}

static uint32_t kernel_1(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 757u + 13435u;
    case 1: return x * 695u + 97081u;
    case 2: return x * 916u + 71483u;
    case 3: return x * 92u + 77398u;
    case 4: return x * 435u + 4166u;
    default: return x;
    }
}

static uint32_t kernel_2(uint32_t x)
{
    uint32_t v[11];
    for (unsigned i = 0; i < 11; i++)
        v[i] = x * (i + 33u) ^ 98u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 11; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_3(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 241u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4117880u : 0u);
    return y + 20u;
}

static uint32_t kernel_4(uint32_t x)
{
    uint32_t acc = 30u;
    for (unsigned i = 0; i < 34; i++)
        acc = (acc * 577u + x + i) ^ (acc >> 8);
    return acc;
}

static uint32_t kernel_5(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 287u + 852u;
    case 1: return x * 780u + 20927u;
    case 2: return x * 717u + 55393u;
    case 3: return x * 351u + 36422u;
    case 4: return x * 162u + 28222u;
    default: return x;
    }
}

static uint32_t kernel_6(uint32_t x)
{
    uint32_t v[15];
    for (unsigned i = 0; i < 15; i++)
        v[i] = x * (i + 983u) ^ 784u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 15; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_7(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 107u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 768143u : 0u);
    return y + 13u;
}

static uint32_t kernel_8(uint32_t x)
{
    uint32_t acc = 102u;
    for (unsigned i = 0; i < 30; i++)
        acc = (acc * 370u + x + i) ^ (acc >> 13);
    return acc;
}

static uint32_t kernel_9(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 47u + 95648u;
    case 1: return x * 473u + 70285u;
    case 2: return x * 130u + 49616u;
    case 3: return x * 83u + 72358u;
    case 4: return x * 303u + 82398u;
    default: return x;
    }
}

static uint32_t kernel_10(uint32_t x)
{
    uint32_t v[32];
    for (unsigned i = 0; i < 32; i++)
        v[i] = x * (i + 636u) ^ 909u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 32; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_11(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 373u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4703886u : 0u);
    return y + 7u;
}

static uint32_t kernel_12(uint32_t x)
{
    uint32_t acc = 724u;
    for (unsigned i = 0; i < 22; i++)
        acc = (acc * 74u + x + i) ^ (acc >> 3);
    return acc;
}

static uint32_t kernel_13(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 878u + 30513u;
    case 1: return x * 890u + 13239u;
    case 2: return x * 392u + 36435u;
    case 3: return x * 467u + 83321u;
    case 4: return x * 857u + 47820u;
    default: return x;
    }
}

static uint32_t kernel_14(uint32_t x)
{
    uint32_t v[16];
    for (unsigned i = 0; i < 16; i++)
        v[i] = x * (i + 169u) ^ 382u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 16; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_15(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 217u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 5456191u : 0u);
    return y + 9u;
}

static uint32_t kernel_16(uint32_t x)
{
    uint32_t acc = 721u;
    for (unsigned i = 0; i < 12; i++)
        acc = (acc * 962u + x + i) ^ (acc >> 7);
    return acc;
}

static uint32_t kernel_17(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 549u + 95569u;
    case 1: return x * 253u + 21418u;
    case 2: return x * 476u + 49736u;
    case 3: return x * 279u + 83887u;
    case 4: return x * 707u + 73001u;
    default: return x;
    }
}

static uint32_t kernel_18(uint32_t x)
{
    uint32_t v[15];
    for (unsigned i = 0; i < 15; i++)
        v[i] = x * (i + 227u) ^ 704u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 15; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_19(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 866u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 6248091u : 0u);
    return y + 25u;
}

static uint32_t kernel_20(uint32_t x)
{
    uint32_t acc = 60u;
    for (unsigned i = 0; i < 10; i++)
        acc = (acc * 237u + x + i) ^ (acc >> 12);
    return acc;
}

static uint32_t kernel_21(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 277u + 8676u;
    case 1: return x * 219u + 74342u;
    case 2: return x * 900u + 94099u;
    case 3: return x * 325u + 27870u;
    case 4: return x * 674u + 65436u;
    default: return x;
    }
}

static uint32_t kernel_22(uint32_t x)
{
    uint32_t v[34];
    for (unsigned i = 0; i < 34; i++)
        v[i] = x * (i + 408u) ^ 908u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 34; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_23(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 661u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 3737768u : 0u);
    return y + 5u;
}

static uint32_t kernel_24(uint32_t x)
{
    uint32_t acc = 274u;
    for (unsigned i = 0; i < 24; i++)
        acc = (acc * 145u + x + i) ^ (acc >> 9);
    return acc;
}

static uint32_t kernel_25(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 922u + 76485u;
    case 1: return x * 411u + 47448u;
    case 2: return x * 227u + 18132u;
    case 3: return x * 524u + 64687u;
    case 4: return x * 96u + 99062u;
    default: return x;
    }
}

static uint32_t kernel_26(uint32_t x)
{
    uint32_t v[8];
    for (unsigned i = 0; i < 8; i++)
        v[i] = x * (i + 51u) ^ 884u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 8; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_27(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 159u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 5107755u : 0u);
    return y + 6u;
}

static uint32_t kernel_28(uint32_t x)
{
    uint32_t acc = 814u;
    for (unsigned i = 0; i < 12; i++)
        acc = (acc * 699u + x + i) ^ (acc >> 15);
    return acc;
}

static uint32_t kernel_29(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 482u + 69353u;
    case 1: return x * 260u + 72513u;
    case 2: return x * 884u + 1505u;
    case 3: return x * 699u + 94467u;
    case 4: return x * 120u + 89354u;
    default: return x;
    }
}

static uint32_t kernel_30(uint32_t x)
{
    uint32_t v[29];
    for (unsigned i = 0; i < 29; i++)
        v[i] = x * (i + 909u) ^ 552u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 29; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_31(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 276u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 6256010u : 0u);
    return y + 21u;
}

static uint32_t kernel_32(uint32_t x)
{
    uint32_t acc = 351u;
    for (unsigned i = 0; i < 35; i++)
        acc = (acc * 117u + x + i) ^ (acc >> 11);
    return acc;
}

static uint32_t kernel_33(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 979u + 94647u;
    case 1: return x * 899u + 94330u;
    case 2: return x * 272u + 65613u;
    case 3: return x * 783u + 23417u;
    case 4: return x * 522u + 13948u;
    default: return x;
    }
}

static uint32_t kernel_34(uint32_t x)
{
    uint32_t v[14];
    for (unsigned i = 0; i < 14; i++)
        v[i] = x * (i + 894u) ^ 643u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 14; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_35(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 864u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 5202783u : 0u);
    return y + 17u;
}

static uint32_t kernel_36(uint32_t x)
{
    uint32_t acc = 626u;
    for (unsigned i = 0; i < 31; i++)
        acc = (acc * 206u + x + i) ^ (acc >> 6);
    return acc;
}

static uint32_t kernel_37(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 979u + 69515u;
    case 1: return x * 943u + 75u;
    case 2: return x * 616u + 42488u;
    case 3: return x * 503u + 2553u;
    case 4: return x * 117u + 47577u;
    default: return x;
    }
}

static uint32_t kernel_38(uint32_t x)
{
    uint32_t v[30];
    for (unsigned i = 0; i < 30; i++)
        v[i] = x * (i + 902u) ^ 854u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 30; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_39(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 317u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 1963912u : 0u);
    return y + 2u;
}

static uint32_t kernel_40(uint32_t x)
{
    uint32_t acc = 249u;
    for (unsigned i = 0; i < 13; i++)
        acc = (acc * 902u + x + i) ^ (acc >> 4);
    return acc;
}

static uint32_t kernel_41(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 838u + 9072u;
    case 1: return x * 781u + 69823u;
    case 2: return x * 787u + 16484u;
    case 3: return x * 134u + 86475u;
    case 4: return x * 489u + 72064u;
    default: return x;
    }
}

static uint32_t kernel_42(uint32_t x)
{
    uint32_t v[21];
    for (unsigned i = 0; i < 21; i++)
        v[i] = x * (i + 172u) ^ 274u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 21; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_43(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 896u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4941456u : 0u);
    return y + 14u;
}

static uint32_t kernel_44(uint32_t x)
{
    uint32_t acc = 990u;
    for (unsigned i = 0; i < 20; i++)
        acc = (acc * 219u + x + i) ^ (acc >> 15);
    return acc;
}

static uint32_t kernel_45(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 690u + 85181u;
    case 1: return x * 385u + 57423u;
    case 2: return x * 924u + 67840u;
    case 3: return x * 465u + 15861u;
    case 4: return x * 256u + 29452u;
    default: return x;
    }
}

static uint32_t kernel_46(uint32_t x)
{
    uint32_t v[5];
    for (unsigned i = 0; i < 5; i++)
        v[i] = x * (i + 68u) ^ 349u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 5; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_47(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 605u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4513830u : 0u);
    return y + 8u;
}

static uint32_t kernel_48(uint32_t x)
{
    uint32_t acc = 605u;
    for (unsigned i = 0; i < 12; i++)
        acc = (acc * 228u + x + i) ^ (acc >> 2);
    return acc;
}

static uint32_t kernel_49(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 237u + 8835u;
    case 1: return x * 930u + 4118u;
    case 2: return x * 883u + 43310u;
    case 3: return x * 75u + 67392u;
    case 4: return x * 246u + 36501u;
    default: return x;
    }
}

static uint32_t kernel_50(uint32_t x)
{
    uint32_t v[11];
    for (unsigned i = 0; i < 11; i++)
        v[i] = x * (i + 688u) ^ 500u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 11; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_51(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 555u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 1092822u : 0u);
    return y + 24u;
}

static uint32_t kernel_52(uint32_t x)
{
    uint32_t acc = 960u;
    for (unsigned i = 0; i < 38; i++)
        acc = (acc * 906u + x + i) ^ (acc >> 4);
    return acc;
}

static uint32_t kernel_53(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 829u + 53355u;
    case 1: return x * 197u + 12364u;
    case 2: return x * 102u + 86375u;
    case 3: return x * 444u + 46439u;
    case 4: return x * 436u + 53884u;
    default: return x;
    }
}

static uint32_t kernel_54(uint32_t x)
{
    uint32_t v[28];
    for (unsigned i = 0; i < 28; i++)
        v[i] = x * (i + 481u) ^ 887u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 28; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_55(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 58u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 5479948u : 0u);
    return y + 21u;
}

static uint32_t kernel_56(uint32_t x)
{
    uint32_t acc = 664u;
    for (unsigned i = 0; i < 33; i++)
        acc = (acc * 103u + x + i) ^ (acc >> 3);
    return acc;
}

static uint32_t kernel_57(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 885u + 14323u;
    case 1: return x * 257u + 25113u;
    case 2: return x * 197u + 70293u;
    case 3: return x * 462u + 18374u;
    case 4: return x * 435u + 24051u;
    default: return x;
    }
}

static uint32_t kernel_58(uint32_t x)
{
    uint32_t v[12];
    for (unsigned i = 0; i < 12; i++)
        v[i] = x * (i + 288u) ^ 476u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 12; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_59(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 898u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 7507212u : 0u);
    return y + 3u;
}

static uint32_t kernel_60(uint32_t x)
{
    uint32_t acc = 456u;
    for (unsigned i = 0; i < 14; i++)
        acc = (acc * 830u + x + i) ^ (acc >> 13);
    return acc;
}

static uint32_t kernel_61(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 859u + 1935u;
    case 1: return x * 995u + 12225u;
    case 2: return x * 951u + 98772u;
    case 3: return x * 872u + 30983u;
    case 4: return x * 173u + 53270u;
    default: return x;
    }
}

static uint32_t kernel_62(uint32_t x)
{
    uint32_t v[11];
    for (unsigned i = 0; i < 11; i++)
        v[i] = x * (i + 500u) ^ 495u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 11; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_63(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 888u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 3270547u : 0u);
    return y + 29u;
}

static uint32_t kernel_64(uint32_t x)
{
    uint32_t acc = 63u;
    for (unsigned i = 0; i < 8; i++)
        acc = (acc * 171u + x + i) ^ (acc >> 14);
    return acc;
}

static uint32_t kernel_65(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 805u + 59639u;
    case 1: return x * 295u + 55445u;
    case 2: return x * 716u + 95749u;
    case 3: return x * 805u + 72846u;
    case 4: return x * 680u + 94164u;
    default: return x;
    }
}

static uint32_t kernel_66(uint32_t x)
{
    uint32_t v[11];
    for (unsigned i = 0; i < 11; i++)
        v[i] = x * (i + 501u) ^ 161u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 11; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_67(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 306u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 1781775u : 0u);
    return y + 2u;
}

static uint32_t kernel_68(uint32_t x)
{
    uint32_t acc = 596u;
    for (unsigned i = 0; i < 11; i++)
        acc = (acc * 756u + x + i) ^ (acc >> 3);
    return acc;
}

static uint32_t kernel_69(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 54u + 76570u;
    case 1: return x * 491u + 65910u;
    case 2: return x * 944u + 69616u;
    case 3: return x * 164u + 7456u;
    case 4: return x * 986u + 66563u;
    default: return x;
    }
}

static uint32_t kernel_70(uint32_t x)
{
    uint32_t v[10];
    for (unsigned i = 0; i < 10; i++)
        v[i] = x * (i + 85u) ^ 874u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 10; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_71(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 73u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4846428u : 0u);
    return y + 3u;
}

static uint32_t kernel_72(uint32_t x)
{
    uint32_t acc = 694u;
    for (unsigned i = 0; i < 33; i++)
        acc = (acc * 885u + x + i) ^ (acc >> 9);
    return acc;
}

static uint32_t kernel_73(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 586u + 32272u;
    case 1: return x * 595u + 77925u;
    case 2: return x * 43u + 81184u;
    case 3: return x * 86u + 54949u;
    case 4: return x * 676u + 76504u;
    default: return x;
    }
}

static uint32_t kernel_74(uint32_t x)
{
    uint32_t v[15];
    for (unsigned i = 0; i < 15; i++)
        v[i] = x * (i + 581u) ^ 538u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 15; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_75(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 960u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 2138130u : 0u);
    return y + 7u;
}

static uint32_t kernel_76(uint32_t x)
{
    uint32_t acc = 688u;
    for (unsigned i = 0; i < 23; i++)
        acc = (acc * 736u + x + i) ^ (acc >> 12);
    return acc;
}

static uint32_t kernel_77(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 690u + 84608u;
    case 1: return x * 310u + 59930u;
    case 2: return x * 326u + 98549u;
    case 3: return x * 961u + 9509u;
    case 4: return x * 12u + 60069u;
    default: return x;
    }
}

static uint32_t kernel_78(uint32_t x)
{
    uint32_t v[8];
    for (unsigned i = 0; i < 8; i++)
        v[i] = x * (i + 639u) ^ 579u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 8; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_79(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 78u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4379207u : 0u);
    return y + 7u;
}

static uint32_t kernel_80(uint32_t x)
{
    uint32_t acc = 521u;
    for (unsigned i = 0; i < 30; i++)
        acc = (acc * 274u + x + i) ^ (acc >> 6);
    return acc;
}

static uint32_t kernel_81(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 253u + 48435u;
    case 1: return x * 294u + 20677u;
    case 2: return x * 451u + 71201u;
    case 3: return x * 723u + 39652u;
    case 4: return x * 629u + 85718u;
    default: return x;
    }
}

static uint32_t kernel_82(uint32_t x)
{
    uint32_t v[26];
    for (unsigned i = 0; i < 26; i++)
        v[i] = x * (i + 544u) ^ 11u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 26; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_83(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 839u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4513830u : 0u);
    return y + 10u;
}

static uint32_t kernel_84(uint32_t x)
{
    uint32_t acc = 957u;
    for (unsigned i = 0; i < 16; i++)
        acc = (acc * 682u + x + i) ^ (acc >> 5);
    return acc;
}

static uint32_t kernel_85(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 112u + 97311u;
    case 1: return x * 569u + 20375u;
    case 2: return x * 281u + 36931u;
    case 3: return x * 622u + 27608u;
    case 4: return x * 737u + 44943u;
    default: return x;
    }
}

static uint32_t kernel_86(uint32_t x)
{
    uint32_t v[25];
    for (unsigned i = 0; i < 25; i++)
        v[i] = x * (i + 211u) ^ 706u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 25; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_87(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 876u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 2161887u : 0u);
    return y + 17u;
}

static uint32_t kernel_88(uint32_t x)
{
    uint32_t acc = 503u;
    for (unsigned i = 0; i < 11; i++)
        acc = (acc * 260u + x + i) ^ (acc >> 14);
    return acc;
}

static uint32_t kernel_89(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 852u + 36266u;
    case 1: return x * 48u + 465u;
    case 2: return x * 344u + 17147u;
    case 3: return x * 655u + 34336u;
    case 4: return x * 168u + 97155u;
    default: return x;
    }
}

static uint32_t kernel_90(uint32_t x)
{
    uint32_t v[27];
    for (unsigned i = 0; i < 27; i++)
        v[i] = x * (i + 455u) ^ 567u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 27; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_91(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 440u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 4569263u : 0u);
    return y + 1u;
}

static uint32_t kernel_92(uint32_t x)
{
    uint32_t acc = 117u;
    for (unsigned i = 0; i < 17; i++)
        acc = (acc * 80u + x + i) ^ (acc >> 14);
    return acc;
}

static uint32_t kernel_93(uint32_t x)
{
    switch (x % 5) {
    case 0: return x * 381u + 76351u;
    case 1: return x * 568u + 19411u;
    case 2: return x * 443u + 16705u;
    case 3: return x * 45u + 40405u;
    case 4: return x * 376u + 5230u;
    default: return x;
    }
}

static uint32_t kernel_94(uint32_t x)
{
    uint32_t v[11];
    for (unsigned i = 0; i < 11; i++)
        v[i] = x * (i + 923u) ^ 369u;
    uint32_t s = 0;
    for (unsigned i = 0; i < 11; i++)
        s += v[i] >> (i % 7);
    return s;
}

static uint32_t kernel_95(uint32_t x)
{
    uint32_t y = x;
    for (unsigned i = 0; i < 24 && y > 701u; i++)
        y = (y >> 1) ^ ((y & 1u) ? 2043102u : 0u);
    return y + 22u;
}

static uint32_t (*const kernels[])(uint32_t) = {
    kernel_0, kernel_1, kernel_2, kernel_3, kernel_4, kernel_5,
    kernel_6, kernel_7, kernel_8, kernel_9, kernel_10, kernel_11,
    kernel_12, kernel_13, kernel_14, kernel_15, kernel_16, kernel_17,
    kernel_18, kernel_19, kernel_20, kernel_21, kernel_22, kernel_23,
    kernel_24, kernel_25, kernel_26, kernel_27, kernel_28, kernel_29,
    kernel_30, kernel_31, kernel_32, kernel_33, kernel_34, kernel_35,
    kernel_36, kernel_37, kernel_38, kernel_39, kernel_40, kernel_41,
    kernel_42, kernel_43, kernel_44, kernel_45, kernel_46, kernel_47,
    kernel_48, kernel_49, kernel_50, kernel_51, kernel_52, kernel_53,
    kernel_54, kernel_55, kernel_56, kernel_57, kernel_58, kernel_59,
    kernel_60, kernel_61, kernel_62, kernel_63, kernel_64, kernel_65,
    kernel_66, kernel_67, kernel_68, kernel_69, kernel_70, kernel_71,
    kernel_72, kernel_73, kernel_74, kernel_75, kernel_76, kernel_77,
    kernel_78, kernel_79, kernel_80, kernel_81, kernel_82, kernel_83,
    kernel_84, kernel_85, kernel_86, kernel_87, kernel_88, kernel_89,
    kernel_90, kernel_91, kernel_92, kernel_93, kernel_94, kernel_95,
};

/* ---- main ---------------------------------------------------------------- */

int main(void)
{
    /* kernels */
    uint32_t k = 1;
    for (unsigned round = 0; round < 2000; round++)
        for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
            k = kernels[i](k + round);
    printf("kernels: %zu functions, checksum %08x\n", sizeof kernels / sizeof kernels[0], (unsigned)k);

    /* words in a hash table, most frequent first */
    struct table t = {NULL, 0, 0};
    char word[32];
    uint32_t seed = 12345;
    for (unsigned i = 0; i < 50000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned len = 2 + (seed >> 16) % 4;
        for (unsigned j = 0; j < len; j++) {
            seed = seed * 1103515245u + 12345u;
            word[j] = (char)('a' + (seed >> 16) % 6);
        }
        word[len] = '\0';
        table_add(&t, word);
    }
    struct entry **all = malloc(t.size * sizeof *all);
    if (all == NULL)
        return 3;
    size_t n = 0;
    for (size_t i = 0; i < t.nbuckets; i++)
        for (struct entry *e = t.buckets[i]; e != NULL; e = e->next)
            all[n++] = e;
    qsort(all, n, sizeof *all, cmp_entry);
    printf("words: %zu distinct; top:", n);
    for (size_t i = 0; i < 5 && i < n; i++)
        printf(" %s=%lu", all[i]->key, all[i]->count);
    printf("\n");
    free(all);
    table_free(&t);

    /* sorting */
    size_t count = 100000;
    int *v = malloc(count * sizeof *v);
    if (v == NULL)
        return 3;
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (int)(seed >> 8) % 100000;
    }
    quick_sort(v, count);
    long long sum = 0;
    int sorted = 1;
    for (size_t i = 0; i < count; i++) {
        sum += (long long)v[i] * (long long)(i % 7);
        if (i > 0 && v[i - 1] > v[i])
            sorted = 0;
    }
    printf("sort: %zu ints, sorted=%d, weighted sum %lld\n", count, sorted, sum);
    free(v);

    /* the stack machine: a loop of 1000 steps */
    const struct insn prog[] = {
        {OP_PUSH, 1000},                                                /* [acc n] */
        {OP_SWAP, 0}, {OP_PUSH, 31}, {OP_MUL, 0}, {OP_PUSH, 7}, {OP_ADD, 0}, /* acc = acc*31+7 */
        {OP_DUP, 0}, {OP_PUSH, 5}, {OP_XOR, 0}, {OP_DROP, 0},              /* busywork */
        {OP_SWAP, 0}, {OP_DEC, 0}, {OP_JNZ, 1},                           /* while (--n) */
        {OP_DROP, 0}, {OP_HALT, 0},
    };
    printf("machine: %ld\n", run_machine(prog, 3));

    /* string building */
    size_t cap = 16, len = 0;
    char *s = malloc(cap);
    if (s == NULL)
        return 3;
    for (unsigned i = 0; i < 20000; i++) {
        char piece[32];
        int m = snprintf(piece, sizeof piece, "%u,", i * 2654435761u % 1000);
        if (len + (size_t)m + 1 > cap) {
            cap *= 2;
            char *bigger = realloc(s, cap);
            if (bigger == NULL)
                return 3;
            s = bigger;
        }
        memcpy(s + len, piece, (size_t)m + 1);
        len += (size_t)m;
    }
    printf("string: %zu bytes, hash %08x\n", len, (unsigned)hash_str(s));
    free(s);
    return 0;
}
