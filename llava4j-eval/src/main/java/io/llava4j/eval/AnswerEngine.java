package io.llava4j.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Somewhere else to run the generate step of {@code eval run} (e.g. a Spark cluster: {@code --engine spark}). The
 * app finds implementations with {@link ServiceLoader}, so it needs no compile-time dependency on them; an engine is
 * present when its module's jars are on the class path.
 */
public interface AnswerEngine {

    /** The name {@code --engine} selects. */
    String name();

    /**
     * Answers every question of a question file (jsonl: question_id, image, text) and writes the seeds' answer
     * file: one row {question_id, prompt, text, answer_id, model_id, metadata} per answered question, in question
     * order. Questions that cannot be answered (unreadable image, prompt too long) are reported, not answered.
     *
     * @return how many questions could not be answered
     */
    int answer(Request request) throws Exception;

    /**
     * @param questions    the question file
     * @param images       the folder image paths are relative to
     * @param model        the model folder
     * @param modelArgs    model options as the CLI takes them (e.g. {@code --load-8bit}, {@code --threads 4})
     * @param answers      the answer file to write (replaced atomically)
     * @param limit        only the first N questions, or null
     * @param master       where to run (engine-specific, e.g. {@code local[*]} or {@code spark://host:7077}), or null
     */
    record Request(Path questions, Path images, Path model, List<String> modelArgs, String convMode,
                   int maxNewTokens, double temperature, Integer limit, Path answers, String master) {}

    /** The engine named {@code name}, or an error that says how to get it on the class path. */
    static AnswerEngine named(String name) {
        for (AnswerEngine e : ServiceLoader.load(AnswerEngine.class)) if (e.name().equals(name)) return e;
        throw new EvalException("engine '" + name + "' is not on the class path (for spark: build llava4j-spark and run"
                + " through ./llava4j, which adds it for 'eval run --engine spark')");
    }

    /** Deterministic 22-character answer id (the seeds use a random shortuuid), so a resumed run writes the same file. */
    static String answerId(String model, String questionId) {
        byte[] h;
        try {
            h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((model + "\u0000" + questionId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 22; i++) sb.append(alphabet.charAt((h[i] & 0xff) % alphabet.length()));
        return sb.toString();
    }
}
