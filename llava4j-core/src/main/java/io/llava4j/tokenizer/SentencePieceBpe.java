package io.llava4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A SentencePiece BPE processor in plain Java: what {@code SentencePieceProcessor.encode(text, out_type=str)}
 * and {@code decode(pieces)} of sentencepiece 0.1.97 do for BPE models with identity normalization.
 *
 * <p>Encode: normalize (spaces to "▁", optional dummy "▁" prefix), split into characters (user-defined
 * symbols kept whole), repeatedly merge the adjacent pair whose merged piece has the highest score (leftmost
 * on ties), then spell pieces that are not in the vocabulary as {@code <0xXX>} byte pieces (byte fallback).
 *
 * <p>{@code addDummyPrefix} is a parameter because transformers' LlamaTokenizer with {@code legacy=false}
 * loads the model with the normalizer's {@code add_dummy_prefix} switched off.
 */
final class SentencePieceBpe {
    private static final char SPACE_SYMBOL = '\u2581';

    private final SentencePieceModel model;
    private final boolean addDummyPrefix;
    /** NORMAL, USER_DEFINED and UNUSED pieces: the ones BPE may produce. */
    private final Map<String, Integer> pieces = new HashMap<>();
    /** UNKNOWN, CONTROL and BYTE pieces; looked up first, as sentencepiece does. */
    private final Map<String, Integer> reserved = new HashMap<>();
    private final List<String> userDefined = new ArrayList<>();
    private final int unkId;
    private static final String[] BYTE_PIECES = new String[256];

    static {
        for (int b = 0; b < 256; b++) BYTE_PIECES[b] = String.format("<0x%02X>", b);
    }

    SentencePieceBpe(SentencePieceModel model, boolean addDummyPrefix) {
        this.model = model;
        this.addDummyPrefix = addDummyPrefix;
        int unk = -1;
        for (int i = 0; i < model.size(); i++) {
            String p = model.pieces.get(i);
            int type = model.types.get(i);
            boolean normal = type == SentencePieceModel.NORMAL || type == SentencePieceModel.USER_DEFINED
                    || type == SentencePieceModel.UNUSED;
            (normal ? pieces : reserved).putIfAbsent(p, i);
            if (type == SentencePieceModel.USER_DEFINED) userDefined.add(p);
            if (type == SentencePieceModel.UNKNOWN) unk = i;
        }
        this.unkId = unk;
        userDefined.sort((a, b) -> b.length() - a.length()); // longest match first
    }

    int size() {
        return model.size();
    }

    int unkId() {
        return unkId;
    }

    String idToPiece(int id) {
        return model.pieces.get(id);
    }

    /** Like {@code PieceToId}: reserved pieces first, then normal ones, else the unknown id. */
    int pieceToId(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) id = pieces.get(piece);
        return id == null ? unkId : id;
    }

    boolean isByte(int id) {
        return model.types.get(id) == SentencePieceModel.BYTE;
    }

    // ---------------------------------------------------------------- encode

    /** The pieces of {@code text}, as {@code encode(text, out_type=str)}. */
    List<String> encodeAsPieces(String text) {
        String normalized = normalize(text);
        List<String> out = new ArrayList<>();
        if (normalized.isEmpty()) return out;
        boolean prevUnk = false;
        for (String w : bpe(normalized)) {
            int id = pieceToId(w);
            boolean unk = id == unkId;
            if (unk && model.byteFallback) {
                for (byte b : w.getBytes(StandardCharsets.UTF_8)) out.add(byteToPiece(b & 0xFF));
            } else if (unk && prevUnk) {
                out.set(out.size() - 1, out.get(out.size() - 1) + w); // runs of unknown text stay one piece
            } else {
                out.add(w);
            }
            prevUnk = unk;
        }
        return out;
    }

    /** {@code Normalizer::Normalize} with an identity character map. */
    String normalize(String input) {
        int start = 0;
        if (model.removeExtraWhitespaces) {
            while (start < input.length() && input.charAt(start) == ' ') start++;
        }
        if (start == input.length()) return "";
        char space = model.escapeWhitespaces ? SPACE_SYMBOL : ' ';
        StringBuilder out = new StringBuilder(input.length() + 1);
        if (addDummyPrefix) out.append(space);
        boolean prevSpace = model.removeExtraWhitespaces;
        int i = start;
        while (i < input.length()) {
            String unit = userDefinedAt(input, i);
            int len = unit != null ? unit.length() : Character.charCount(input.codePointAt(i));
            String sp = input.substring(i, i + len);
            i += len;
            if (prevSpace) {
                int k = 0;
                while (k < sp.length() && sp.charAt(k) == ' ') k++;
                sp = sp.substring(k);
            }
            if (!sp.isEmpty()) {
                out.append(model.escapeWhitespaces ? sp.replace(' ', SPACE_SYMBOL) : sp);
                prevSpace = sp.charAt(sp.length() - 1) == ' ';
            }
            if (!model.removeExtraWhitespaces) prevSpace = false;
        }
        if (model.removeExtraWhitespaces) {
            int end = out.length();
            while (end > 0 && out.charAt(end - 1) == space) end--;
            out.setLength(end);
        }
        return out.toString();
    }

    private String userDefinedAt(String s, int i) {
        for (String u : userDefined) {
            if (s.startsWith(u, i)) return u;
        }
        return null;
    }

    /** A candidate merge of two adjacent symbols; stale once either side has changed. */
    private record Pair(int left, int right, float score, int size) {}

    /** {@code bpe::Model::SampleEncode} without dropout: the merged symbols, left to right. */
    private List<String> bpe(String text) {
        // Symbols are [start, start + len) ranges of text; merged-away symbols get len 0.
        List<Integer> starts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            String u = userDefinedAt(text, i);
            starts.add(i);
            i += u != null ? u.length() : Character.charCount(text.codePointAt(i));
        }
        int n = starts.size();
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] frozen = new boolean[n];
        for (int k = 0; k < n; k++) {
            start[k] = starts.get(k);
            len[k] = (k + 1 < n ? starts.get(k + 1) : text.length()) - start[k];
            prev[k] = k - 1;
            next[k] = k + 1 < n ? k + 1 : -1;
            frozen[k] = userDefinedAt(text, start[k]) != null;
        }
        PriorityQueue<Pair> agenda = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        Map<String, String[]> revMerge = new HashMap<>();
        for (int k = 1; k < n; k++) addPair(text, k - 1, k, start, len, frozen, agenda, revMerge);
        while (!agenda.isEmpty()) {
            Pair top = agenda.poll();
            int l = top.left;
            int r = top.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != top.size) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) addPair(text, prev[l], l, start, len, frozen, agenda, revMerge);
            if (next[l] >= 0) addPair(text, l, next[l], start, len, frozen, agenda, revMerge);
        }
        List<String> out = new ArrayList<>();
        for (int k = 0; k >= 0 && n > 0; k = next[k]) resegment(text.substring(start[k], start[k] + len[k]), revMerge, out);
        return out;
    }

    private void addPair(String text, int l, int r, int[] start, int[] len, boolean[] frozen,
                         PriorityQueue<Pair> agenda, Map<String, String[]> revMerge) {
        if (frozen[l] || frozen[r]) return;
        String merged = text.substring(start[l], start[r] + len[r]);
        Integer id = pieces.get(merged);
        if (id == null) return;
        agenda.add(new Pair(l, r, model.scores.get(id), merged.length()));
        if (model.types.get(id) == SentencePieceModel.UNUSED) {
            revMerge.put(merged, new String[] {text.substring(start[l], start[l] + len[l]), text.substring(start[r], start[r] + len[r])});
        }
    }

    /** UNUSED pieces are split back into the pieces they were merged from. */
    private void resegment(String w, Map<String, String[]> revMerge, List<String> out) {
        Integer id = pieces.get(w);
        String[] parts = id != null && model.types.get(id) == SentencePieceModel.UNUSED ? revMerge.get(w) : null;
        if (parts == null) {
            out.add(w);
            return;
        }
        resegment(parts[0], revMerge, out);
        resegment(parts[1], revMerge, out);
    }

    // ---------------------------------------------------------------- decode

    /** {@code SentencePieceProcessor::Decode(pieces)}: the text of a piece sequence. */
    String decodePieces(List<String> pieceList) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean bosWs = true;      // a leading "▁" may still be eaten (it is the dummy prefix)
        boolean bosWsSeen = false;
        for (String piece : pieceList) {
            int id = pieceToId(piece);
            if (isByte(id)) {
                bytes.write(pieceToByte(piece));
                continue;
            }
            flushBytes(bytes, text);
            if (bosWsSeen || !text.isEmpty()) bosWs = false;
            bosWsSeen = false;
            int type = model.types.get(id);
            if (type == SentencePieceModel.CONTROL) continue;
            if (id == unkId) {
                text.append(piece.equals(idToPiece(unkId)) ? model.unkSurface : piece);
                continue;
            }
            String p = piece;
            if (bosWs && (addDummyPrefix || model.removeExtraWhitespaces) && !p.isEmpty() && p.charAt(0) == SPACE_SYMBOL) {
                p = p.substring(1);
                bosWsSeen = !model.removeExtraWhitespaces;
            }
            text.append(p.replace(SPACE_SYMBOL, ' '));
        }
        flushBytes(bytes, text);
        return text.toString();
    }

    private static void flushBytes(ByteArrayOutputStream bytes, StringBuilder text) {
        if (bytes.size() == 0) return;
        byte[] b = bytes.toByteArray();
        text.append(Utf8.decodePerByte(b, 0, b.length));
        bytes.reset();
    }

    static String byteToPiece(int b) {
        return BYTE_PIECES[b];
    }

    /** The byte of a {@code <0xXX>} piece (upper-case hex, as sentencepiece writes it), or -1. */
    static int pieceToByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        String hex = piece.substring(3, 5);
        if (!hex.equals(hex.toUpperCase())) return -1;
        try {
            return Integer.parseInt(hex, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
