package io.llava4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Prompt encoding of the original LLaVA code ({@code llava.mm_utils.tokenizer_image_token}): the prompt is
 * split at the placeholder text, each chunk is encoded on its own with special tokens, the BOS of the first
 * chunk is kept and one leading id (the BOS) of every chunk is dropped, and a single placeholder id
 * (-200 upstream) goes between chunks.
 *
 * <p>Because every chunk is encoded separately, the text right after an image starts a new sequence (e.g.
 * {@code ..., -200, 29871, 13, ...} for {@code "<image>\n"} with LLaMA). HF processors instead keep
 * {@code <image>} as an added token inside one encode; use {@link TextTokenizer#encode} for those.
 */
public final class ImagePlaceholders {
    /** The placeholder id the original LLaVA code uses ({@code IMAGE_TOKEN_INDEX}). */
    public static final int LLAVA_IMAGE_TOKEN_INDEX = -200;

    private ImagePlaceholders() {}

    /** {@code tokenizer_image_token(prompt, tokenizer, placeholderId)} with the placeholder text {@code "<image>"}. */
    public static int[] tokenizerImageToken(TextTokenizer tok, String prompt, int placeholderId) {
        return tokenizerImageToken(tok, prompt, "<image>", placeholderId);
    }

    /** The same, splitting at {@code placeholder} (e.g. {@code "<video>"}). */
    public static int[] tokenizerImageToken(TextTokenizer tok, String prompt, String placeholder, int placeholderId) {
        String[] chunks = prompt.split(Pattern.quote(placeholder), -1); // Python str.split keeps empty chunks
        List<int[]> encoded = new ArrayList<>();
        for (String c : chunks) encoded.add(tok.encode(c, true));
        List<Integer> out = new ArrayList<>();
        int offset = 0;
        OptionalInt bos = tok.bosId();
        int[] first = encoded.get(0);
        if (first.length > 0 && bos.isPresent() && first[0] == bos.getAsInt()) {
            offset = 1;
            out.add(first[0]);
        }
        for (int i = 0; i < encoded.size(); i++) {
            if (i > 0) out.add(placeholderId);
            int[] x = encoded.get(i);
            for (int k = offset; k < x.length; k++) out.add(x[k]);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
