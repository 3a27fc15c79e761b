package io.llava4j.train.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ModalityLengthGroupedSamplerTest {

    @Test
    void permutationWithModalityPureBatches() {
        int n = 103;
        int[] lengths = new int[n];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < n; i++) lengths[i] = (1 + r.nextInt(50)) * (i % 3 == 0 ? -1 : 1);
        int batch = 4, group = 2;
        int[] order = ModalityLengthGroupedSampler.order(lengths, batch, group, 42);
        assertEquals(n, order.length);
        Set<Integer> seen = new HashSet<>();
        for (int i : order) assertTrue(seen.add(i));
        // every mega-batch except the final mixed one holds a single modality
        int mega = batch * group;
        int full = (n / mega) * mega;
        int mixed = 0;
        for (int s = 0; s + mega <= n; s += mega) {
            boolean pos = lengths[order[s]] > 0;
            boolean pure = true;
            for (int k = s; k < s + mega; k++) pure &= (lengths[order[k]] > 0) == pos;
            if (!pure) mixed++;
        }
        assertTrue(mixed <= 1, "at most the leftover mega-batch mixes modalities, got " + mixed);
        assertTrue(full <= n);
        // same seed, same order; another seed, another order
        assertArrayEquals(order, ModalityLengthGroupedSampler.order(lengths, batch, group, 42));
        assertFalse(Arrays.equals(order, ModalityLengthGroupedSampler.order(lengths, batch, group, 43)));
    }

    @Test
    void batchesInsideAMegaBatchAreSortedLongestFirst() {
        int[] lengths = {5, 9, 1, 7, 3, 8, 2, 6};
        int[] order = ModalityLengthGroupedSampler.order(lengths, 8, 1, 7);
        for (int i = 1; i < order.length; i++) assertTrue(lengths[order[i - 1]] >= lengths[order[i]]);
    }

    @Test
    void evenChunksBalanceTotals() {
        int[] lengths = {10, 9, 8, 1, 1, 1};
        var chunks = ModalityLengthGroupedSampler.evenChunks(new Integer[] {0, 1, 2, 3, 4, 5}, lengths, 2);
        assertEquals(3, chunks.get(0).size());
        assertEquals(3, chunks.get(1).size());
    }

    @Test
    void zeroLengthRejected() {
        assertThrows(IllegalArgumentException.class, () -> ModalityLengthGroupedSampler.order(new int[] {1, 0}, 1, 1, 0));
    }
}
