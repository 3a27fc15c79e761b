package io.llava4j.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2 style byte-level BPE ({@code vocab.json} + {@code merges.txt}), as in transformers'
 * {@code GPT2Tokenizer.bpe}: each byte of a pre-token is written as one printable character
 * ({@code bytes_to_unicode}), then the adjacent pair with the lowest merge rank is merged everywhere, until
 * no pair has a rank.
 */
final class ByteLevelBpe {
    private static final int CACHE_LIMIT = 100_000;

    /** {@code bytes_to_unicode()}: byte to character, and back. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final Map<Character, Integer> CHAR_TO_BYTE = new HashMap<>();

    static {
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + n++);
            CHAR_TO_BYTE.put(BYTE_TO_CHAR[b], b);
        }
    }

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    /** Merge rank by "left right". */
    private final Map<String, Integer> ranks;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    private ByteLevelBpe(Map<String, Integer> vocab, Map<String, Integer> ranks) {
        this.vocab = vocab;
        this.ranks = ranks;
        int max = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.idToToken = new String[max + 1];
        vocab.forEach((t, id) -> idToToken[id] = t);
    }

    static ByteLevelBpe load(Path vocabFile, Path mergesFile) {
        return new ByteLevelBpe(readVocab(vocabFile), readMerges(mergesFile));
    }

    int size() {
        return vocab.size();
    }

    Integer id(String token) {
        return vocab.get(token);
    }

    /** The token of an id, or null for a hole in the id range. */
    String token(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** UTF-8 bytes of a pre-token spelled with {@code bytes_to_unicode} characters. */
    static String byteEncode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /**
     * The bytes spelled by byte-level tokens; a character outside the byte alphabet (only possible in added
     * tokens) contributes its own UTF-8 bytes.
     */
    static byte[] byteDecode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            Integer b = cp <= 0xFFFF ? CHAR_TO_BYTE.get((char) cp) : null;
            if (b != null) out.write(b);
            else out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }

    /** {@code bpe(token).split(" ")} for one byte-encoded pre-token. */
    List<String> bpe(String token) {
        List<String> cached = cache.get(token);
        if (cached != null) return cached;
        List<String> word = new ArrayList<>();
        token.codePoints().forEach(cp -> word.add(new String(Character.toChars(cp))));
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + ' ' + word.get(i + 1));
                if (r != null && r < best) {
                    best = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) break;
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); ) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i++));
                }
            }
            word.clear();
            word.addAll(merged);
        }
        List<String> result = List.copyOf(word);
        if (cache.size() >= CACHE_LIMIT) cache.clear();
        cache.put(token, result);
        return result;
    }

    private static Map<String, Integer> readVocab(Path file) {
        Map<String, Integer> vocab = new HashMap<>(300_000);
        try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new TokenizerException(file + " is not a JSON object of token to id");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) throw new TokenizerException(file + ": the id of '" + token + "' is not an integer");
                int id = p.getIntValue();
                if (id < 0) throw new TokenizerException(file + ": negative id for '" + token + "'");
                vocab.put(token, id);
            }
        } catch (IOException e) {
            throw new TokenizerException(file + " is not valid JSON: " + TokenizerConfig.oneLine(e.getMessage()), e);
        }
        if (vocab.isEmpty()) throw new TokenizerException(file + " has no tokens");
        return vocab;
    }

    /** merges.txt: an optional "#version" line, then one "left right" pair per line, rank = line order. */
    private static Map<String, Integer> readMerges(Path file) {
        Map<String, Integer> ranks = new HashMap<>(300_000);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            int rank = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String s = line.strip();
                if ((lineNo == 1 && s.startsWith("#version:")) || s.isEmpty()) continue;
                String[] parts = s.split("\\s+");
                if (parts.length != 2) throw new TokenizerException(file + ": line " + lineNo + " is not a pair of tokens");
                ranks.put(parts[0] + ' ' + parts[1], rank++); // a repeated pair keeps its last rank, as a Python dict does
            }
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return ranks;
    }
}
