package io.llava4j.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The VQA / EvalAI answer normaliser shared by TextVQA, VQAv2 and VizWiz (LLaVA's m4c_evaluator), with its quirks:
 * punctuation decided on the text as it was before the punctuation step, the malformed period look-behind, and
 * only the first 32 periods removed (re.UNICODE passed as the count).
 */
public final class EvalAiAnswerProcessor {
    private static final Map<String, String> CONTRACTIONS = load();
    private static final Map<String, String> NUMBERS = Map.ofEntries(Map.entry("none", "0"), Map.entry("zero", "0"),
            Map.entry("one", "1"), Map.entry("two", "2"), Map.entry("three", "3"), Map.entry("four", "4"), Map.entry("five", "5"),
            Map.entry("six", "6"), Map.entry("seven", "7"), Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"));
    private static final Set<String> ARTICLES = Set.of("a", "an", "the");
    static final String[] PUNCTUATION = {";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"};
    // Python's \d on str patterns is any Unicode decimal digit
    static final Pattern PERIOD_STRIP = Pattern.compile("(?!<=\\d)(\\.)(?!\\d)", Pattern.UNICODE_CHARACTER_CLASS);
    static final Pattern COMMA_STRIP = Pattern.compile("(?<=\\d)(,)+(?=\\d)", Pattern.UNICODE_CHARACTER_CLASS);

    private EvalAiAnswerProcessor() {}

    private static Map<String, String> load() {
        Map<String, String> m = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                EvalAiAnswerProcessor.class.getResourceAsStream("contractions.tsv"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab > 0) m.put(line.substring(0, tab), line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    public static String process(String item) {
        return digitArticle(punctuation(stripWhitespace(wordTokenize(item))));
    }

    static String wordTokenize(String w) {
        return PyStr.strip(w.toLowerCase(java.util.Locale.ROOT).replace(",", "").replace("?", "").replace("'s", " 's"));
    }

    static String stripWhitespace(String s) { return PyStr.strip(s.replace("\n", " ").replace("\t", " ")); }

    /** Punctuation step: every test is made on the text as it was before this step. */
    static String punctuation(String in) {
        return punctuation(in, in);
    }

    /** With the tests made on {@code testText} (MVBench passes the original text for the comma test). */
    static String punctuation(String in, String testText) {
        String out = in;
        boolean comma = COMMA_STRIP.matcher(testText).find();
        for (String p : PUNCTUATION) {
            if (in.contains(p + " ") || in.contains(" " + p) || comma) out = out.replace(p, "");
            else out = out.replace(p, " ");
        }
        return stripPeriods(out);
    }

    /** re.sub(PERIOD_STRIP, "", text, count=32). */
    static String stripPeriods(String s) {
        Matcher m = PERIOD_STRIP.matcher(s);
        StringBuilder sb = new StringBuilder();
        int n = 0, last = 0;
        while (n < 32 && m.find()) {
            sb.append(s, last, m.start());
            last = m.end();
            n++;
        }
        sb.append(s.substring(last));
        return sb.toString();
    }

    static String digitArticle(String in) {
        List<String> out = new ArrayList<>();
        for (String w : PyStr.split(in.toLowerCase(java.util.Locale.ROOT))) {
            w = NUMBERS.getOrDefault(w, w);
            if (!ARTICLES.contains(w)) out.add(w);
        }
        out.replaceAll(w -> CONTRACTIONS.getOrDefault(w, w));
        return String.join(" ", out);
    }
}
