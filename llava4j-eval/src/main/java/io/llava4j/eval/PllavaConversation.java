package io.llava4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The conversations PLLaVA's evaluation scripts render (tasks/eval/eval_utils.py: Conversation.get_prompt and
 * user_query), for the benchmarks whose prompt includes them: eval_mvbench and eval_vcgbench (vicuna roles) and
 * their _llavanext twins (ChatML roles). Media goes where {@link BenchPrompt#MEDIA} is.
 */
public record PllavaConversation(String system, String userRole, String assistantRole, String userSep, String assistantSep,
                                 String mmToken, boolean mmAlone) {
    static final String SYSTEM_MVBENCH = "Carefully watch the video and pay attention to the cause and sequence of events, the detail and movement of objects, "
            + "and the action and pose of persons. Based on your observations, select the best option that accurately addresses the question.\n";
    static final String SYSTEM_VIDEO_CHATGPT = "You are Video-ChatGPT, a large vision-language assistant. "
            + "You are able to understand the video content that the user provides, and assist the user with a variety of tasks using natural language."
            + "Follow the instructions carefully and explain your answers in detail based on the provided video.";

    static final Map<String, PllavaConversation> BY_NAME = Map.of(
            "eval_mvbench", new PllavaConversation(SYSTEM_MVBENCH, "USER: ", "ASSISTANT:", " ", "</s>", "<image>\n", true),
            "eval_vcgbench", new PllavaConversation(SYSTEM_VIDEO_CHATGPT, "USER: ", "ASSISTANT:", " ", "</s>", "<image>\n", true),
            "eval_mvbench_llavanext", new PllavaConversation(SYSTEM_VIDEO_CHATGPT, "<|im_start|>user\n", "<|im_start|>assistant\n", "<|im_end|>\n", "<|im_end|>\n", "<image>\n", true),
            "eval_vcg_llavanext", new PllavaConversation(SYSTEM_VIDEO_CHATGPT, "<|im_start|>user\n", "<|im_start|>assistant\n", "<|im_end|>\n", "<|im_end|>\n", "<image>\n", true));

    public static PllavaConversation byName(String name) {
        PllavaConversation c = BY_NAME.get(name);
        if (c == null) throw new EvalException("unknown PLLaVA conversation '" + name + "' (known: " + String.join(", ", new java.util.TreeSet<>(BY_NAME.keySet())) + ")");
        return c;
    }

    /**
     * user_query(query, pre, post, is_mm=True) then, when answerPrompt is not null, assistant_response(answerPrompt);
     * get_prompt() of the result.
     */
    public String prompt(String query, String preQueryPrompt, String postQueryPrompt, String answerPrompt) {
        if (postQueryPrompt != null) query = query + " " + postQueryPrompt;
        if (preQueryPrompt != null) query = preQueryPrompt + " " + query;
        List<String[]> messages = new ArrayList<>();
        String mm = mmToken; // num_mm_token = 1: mm_token[:-1] * 1 + mm_token[-1]
        if (mmAlone) messages.add(new String[] {userRole, mm});
        else if (!query.contains(mmToken)) query = mm + " " + query;
        messages.add(new String[] {userRole, query});
        if (answerPrompt != null) messages.add(new String[] {assistantRole, answerPrompt});
        StringBuilder ret = new StringBuilder(system.isEmpty() ? "" : system + userSep);
        for (int i = 0; i < messages.size(); i++) {
            String role = messages.get(i)[0], msg = messages.get(i)[1];
            String sep = role.equals(userRole) ? userSep : assistantSep;
            if (i + 1 == messages.size()) {
                if (!role.equals(assistantRole)) ret.append(role).append(msg).append(sep).append(assistantRole);
                else ret.append(role).append(msg);
            } else ret.append(role).append(msg).append(sep);
        }
        return ret.toString();
    }
}
