package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generate-step prompts on synthetic items, against the full strings the seeds' scripts build (the expected
 * texts below are written out by following the upstream code line by line: LLaVA convert_sqa_to_llava.py +
 * model_vqa_science.py, model_vqa_mmbench.py, model_vqa.py + convert_mmvet_for_eval.py; PLLaVA eval_utils.py
 * Conversation, pllava_eval_mvbench.py, mvbench check_ans, pllava_eval_vcgbench.py).
 */
class PromptBuildersTest {
    @TempDir Path tmp;

    static final String SQA = "Answer with the option's letter from the given choices directly.";

    @Test
    void scienceQaFromRawProblemsAsConvertSqaToLlavaCqmA() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("sqa"));
        Files.writeString(base.resolve("problems.json"), """
                {"11": {"question": "Which  word is   pink?", "choices": ["knife", "sheep"], "answer": 1, "hint": "", "image": "image.png"},
                 "12": {"question": "Which is red?", "choices": ["a", "b", "c"], "answer": 0, "hint": "Read the text.  ", "image": null},
                 "13": {"question": "Unused", "choices": ["x"], "answer": 0, "hint": "h", "image": null}}""");
        Files.writeString(base.resolve("pid_splits.json"), "{\"test\": [\"12\", \"11\"], \"train\": [\"13\"]}");
        List<BenchPrompt> ps = new ScienceQaPrompts().prompts(base, GenerateOptions.defaults());
        assertEquals(2, ps.size());
        // no image: context "Read the text." (hint + " " stripped), no <image> in the recorded prompt
        BenchPrompt a = ps.get(0);
        assertEquals("12", a.key());
        assertEquals("Context: Read the text.\nQuestion: Which is red?\nOptions: (A) a (B) b (C) c\n" + SQA, a.userText());
        assertEquals(a.userText(), a.recordedPrompt());
        assertNull(a.media());
        // image: empty hint -> "N/A"; double spaces collapsed once (replace("  ", " ")): "   " -> "  "
        BenchPrompt b = ps.get(1);
        assertEquals("Context: N/A\nQuestion: Which word is  pink?\nOptions: (A) knife (B) sheep\n" + SQA, b.userText());
        assertEquals("<image>\nContext: N/A\nQuestion: Which word is  pink?\nOptions: (A) knife (B) sheep\n" + SQA, b.recordedPrompt());
        assertEquals(base.resolve("images/test/11/image.png"), ((BenchPrompt.ImageFile) b.media()).path());
        ObjectNode row = new ScienceQaPrompts().answerRow(b, "  B \n", "m", "ID");
        assertEquals("{\"question_id\":\"11\",\"prompt\":" + Jsonl.MAPPER.writeValueAsString(b.recordedPrompt())
                + ",\"text\":\"B\",\"answer_id\":\"ID\",\"model_id\":\"m\",\"metadata\":{}}", row.toString());
    }

    @Test
    void scienceQaFromTheLlavaQuestionFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sqa2"));
        Files.writeString(dir.resolve("llava_test_CQM-A.json"), """
                [{"id": "7", "image": "7/image.png", "conversations": [{"from": "human", "value": " Context: N/A\\nQuestion: Q?\\nOptions: (A) x (B) y\\n<image>"},
                  {"from": "gpt", "value": "B"}]}]""");
        BenchPrompt p = new ScienceQaPrompts().prompts(dir, GenerateOptions.defaults()).getFirst();
        assertEquals("Context: N/A\nQuestion: Q?\nOptions: (A) x (B) y\n" + SQA, p.userText());
        assertEquals("<image>\nContext: N/A\nQuestion: Q?\nOptions: (A) x (B) y\n" + SQA, p.recordedPrompt());
    }

    static final String MMB_HEADER = "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tsource\tl2-category\tcomment\tsplit\n";

    @Test
    void mmBenchOptionsHintAndCircularRounds() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mmb"));
        String img = java.util.Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
        Files.writeString(dir.resolve("mmbench_dev.tsv"), MMB_HEADER
                + "5\tWhich is red?\tLook closely.\tapple\tsky\tgrass\t\tA\tcolor\t" + img + "\ts\tFP-S\t\tdev\n"
                + "1000007\tWhat shape?\tnan\tcircle\tNone\tsquare\tline\tA\tshape\t" + img + "\ts\tFP-C\t\tdev\n");
        List<BenchPrompt> one = new MmBenchPrompts().prompts(dir, GenerateOptions.defaults());
        assertEquals(2, one.size());
        assertEquals("Look closely.\nWhich is red?\nA. apple\nB. sky\nC. grass", one.get(0).recordedPrompt());
        assertEquals("Look closely.\nWhich is red?\nA. apple\nB. sky\nC. grass\nAnswer with the option's letter from the given choices directly.", one.get(0).userText());
        // "nan" hint is none; options stop at the first none cell ("None" is NaN for pandas), D is not reached
        assertEquals("What shape?\nA. circle", one.get(1).recordedPrompt());
        assertEquals(3, ((BenchPrompt.ImageBytes) one.get(0).media()).bytes().length);

        List<BenchPrompt> all = new MmBenchPrompts().prompts(dir, new GenerateOptions(null, null, true, "cn", null));
        assertEquals(3 + 1, all.size());
        assertEquals("Look closely.\nWhich is red?\nA. sky\nB. grass\nC. apple", all.get(1).recordedPrompt());
        assertEquals("Look closely.\nWhich is red?\nA. grass\nB. apple\nC. sky\n请直接回答选项字母。", all.get(2).userText());
        ObjectNode row = new MmBenchPrompts().answerRow(all.get(1), "B\n", "m", "ID");
        assertEquals("{\"question_id\":5,\"round_id\":1,\"prompt\":\"Look closely.\\nWhich is red?\\nA. sky\\nB. grass\\nC. apple\",\"text\":\"B\","
                + "\"options\":[\"sky\",\"grass\",\"apple\"],\"option_char\":[\"B\",\"C\",\"A\"],\"answer_id\":\"ID\",\"model_id\":\"m\",\"metadata\":{}}", row.toString());
        assertEquals("5#1", new MmBenchPrompts().keyOf(row));
        assertEquals(all.get(1).key(), new MmBenchPrompts().keyOf(row));
    }

    @Test
    void llavaBenchAndMmVetPlainQuestionsAndTheMmVetResultsFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mmvet"));
        Files.writeString(dir.resolve("llava-mm-vet.jsonl"), "{\"question_id\": 0, \"image\": \"v1_0.png\", \"text\": \"What is x in the equation?\"}\n"
                + "{\"question_id\": 1, \"image\": \"v1_1.png\", \"text\": \"Caf\u00e9 name?\"}\n");
        List<BenchPrompt> ps = OpenQuestionPrompts.mmVet().prompts(dir, GenerateOptions.defaults());
        assertEquals("What is x in the equation?", ps.get(0).userText());
        assertEquals("What is x in the equation?", ps.get(0).recordedPrompt());
        assertEquals(dir.resolve("images/v1_1.png"), ((BenchPrompt.ImageFile) ps.get(1).media()).path());
        Path answers = dir.resolve("a.jsonl");
        Files.writeString(answers, OpenQuestionPrompts.mmVet().answerRow(ps.get(0), " x = -1\n", "m", "I0") + "\n"
                + OpenQuestionPrompts.mmVet().answerRow(ps.get(1), "Caf\u00e9 \"Q\"", "m", "I1") + "\n");
        // json.dump(..., indent=2): ASCII escapes, "key": "value", no trailing newline
        assertEquals("{\n  \"v1_0\": \"x = -1\",\n  \"v1_1\": \"Caf\\u00e9 \\\"Q\\\"\"\n}", OpenQuestionPrompts.mmvetResultsJson(answers));
        OpenQuestionPrompts.mmVet().finish(dir, answers, "m");
        assertTrue(Files.isRegularFile(dir.resolve("results/m.json")));
        // the same file from 'eval convert --benchmark mmvet' (answers merged from chunks)
        Files.createDirectories(dir.resolve("answers"));
        Files.copy(answers, dir.resolve("answers/m.jsonl"));
        Path converted = dir.resolve("converted.json");
        int code = new picocli.CommandLine(new EvalCommand()).execute("convert", "--benchmark", "mmvet", "--data", dir.toString(), "--out", converted.toString());
        assertEquals(0, code);
        assertEquals(Files.readString(dir.resolve("results/m.json")), Files.readString(converted));
        assertEquals(1024, OpenQuestionPrompts.llavaBench().maxNewTokens());
        assertEquals(0.0, OpenQuestionPrompts.llavaBench().temperature());
    }

    static final String MVB_SYSTEM = "Carefully watch the video and pay attention to the cause and sequence of events, the detail and movement of objects, "
            + "and the action and pose of persons. Based on your observations, select the best option that accurately addresses the question.\n";

    @Test
    void mvBenchPllavaPromptPredictionAndCheckAns() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mvb/json"));
        Files.writeString(dir.resolve("action_sequence.json"), "[{\"video\": \"a.mp4\", \"question\": \"What did the person do first?\", "
                + "\"candidates\": [\"Sat down.\", \"Opened the door.\"], \"answer\": \"Opened the door.\", \"start\": 1.5, \"end\": 9.0}]");
        Files.writeString(dir.resolve("moving_direction.json"), "[{\"video\": \"b.mp4\", \"question\": \"Where?\", \"candidates\": [\"up\", \"down\", \"left\"], \"answer\": \"left\"}]");
        List<BenchPrompt> ps = new MvBenchPrompts().prompts(tmp.resolve("mvb"), GenerateOptions.defaults());
        assertEquals(2, ps.size());
        BenchPrompt a = ps.get(0);
        // system + sep, MM_ALONE media turn, the query with post_query_prompt, the answer prompt after "ASSISTANT:"
        assertEquals(MVB_SYSTEM + " USER: <image>\n USER: Question: What did the person do first?\nOptions:\n(A) Sat down.\n(B) Opened the door."
                + " \nOnly give the best option. ASSISTANT:Best option:(", a.rawPrompt());
        BenchPrompt.Video v = assertInstanceOf(BenchPrompt.Video.class, a.media());
        assertEquals(1.5, v.start());
        assertEquals(tmp.resolve("mvb/video/star/Charades_v1_480/a.mp4"), v.path());
        assertNull(((BenchPrompt.Video) ps.get(1).media()).start(), "moving direction has no bound");
        assertEquals("(B) Opened the door.", a.fields().get("gt").asText());
        assertEquals("(B) Opened the door.", MvBenchPrompts.prediction("B) Opened the door.\n"));
        assertEquals("( B)", MvBenchPrompts.prediction(" B)"));

        ObjectNode row = new MvBenchPrompts().answerRow(a, "B) Opened the door.", "m", "ID");
        assertEquals("action_sequence", row.get("task").asText());
        assertEquals("(B) Opened the door.", row.get("pred").asText());
        assertEquals("action_sequence/0", new MvBenchPrompts().keyOf(row));

        String gt = "(B) Opened the door.";
        assertTrue(MvBenchPrompts.checkAns("(B) Opened the door.", gt));
        assertTrue(MvBenchPrompts.checkAns("(b)", gt));
        assertTrue(MvBenchPrompts.checkAns("B.", gt), "'b' is in '(b)'");
        assertFalse(MvBenchPrompts.checkAns("(A) Sat down.", gt));
        assertFalse(MvBenchPrompts.checkAns("( B)", gt), "'(' has no option letter");
        assertFalse(MvBenchPrompts.checkAns("None", gt), "'none' has a letter but is not in '(b)'");
        assertTrue(MvBenchPrompts.checkAns("(", "(A) x") == false);
        assertThrows(EvalException.class, () -> MvBenchPrompts.checkAns("(A)", "(A) "));

        // template mode: system and answer prefix go through the model's own chat template
        BenchPrompt t = new MvBenchPrompts().prompts(tmp.resolve("mvb"), new GenerateOptions(null, null, false, "en", "model")).getFirst();
        assertNull(t.rawPrompt());
        assertEquals(MVB_SYSTEM, t.system());
        assertEquals("Best option:(", t.answerPrefix());
        assertEquals("Question: What did the person do first?\nOptions:\n(A) Sat down.\n(B) Opened the door. \nOnly give the best option.", t.userText());
    }

    @Test
    void mvBenchPllavaScoreAndFrameIndices() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mvs"));
        Files.writeString(dir.resolve("docs_and_predictions.jsonl"),
                "{\"task_type\": \"Action Sequence\", \"pred\": \"(A) x\", \"gt\": \"(A) x\"}\n"
                + "{\"task_type\": \"Action Sequence\", \"pred\": \"(B) y\", \"gt\": \"(A) x\"}\n"
                + "{\"task_type\": \"Moving Count\", \"pred\": \"(C) 3\", \"gt\": \"(C) 3\"}\n");
        JsonNode m = new MvBenchPllavaScorer().score(dir, Scorer.ScoreOptions.none());
        assertEquals(50.0, m.get("Action Sequence").asDouble());
        assertEquals(100.0, m.get("Moving Count").asDouble());
        assertEquals(2.0 / 3 * 100, m.get("Avg").asDouble());
        // get_index: 100 frames at 10 fps, bound [1.5, 9.0] s -> [15, 90], 4 segments of 18.75: int(15 + 9.375 + round(18.75 k)),
        // np.round(37.5) = 38 (half to even)
        assertEquals(List.of(24, 43, 62, 80), java.util.Arrays.stream(PllavaFrames.indices(100, 10, 1.5, 9.0, 4, 0)).boxed().toList());
        // no bound: [0, 99], segments of 24.75; np.round(49.5) = 50
        assertEquals(List.of(12, 37, 62, 86), java.util.Arrays.stream(PllavaFrames.indices(100, 25, -100000, 100000, 4, 0)).boxed().toList());
    }

    static final String VCG_SYSTEM = "You are Video-ChatGPT, a large vision-language assistant. "
            + "You are able to understand the video content that the user provides, and assist the user with a variety of tasks using natural language."
            + "Follow the instructions carefully and explain your answers in detail based on the provided video.";

    @Test
    void vcgBenchPromptsAndTheConsistencyResultList() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("vcg"));
        Files.createDirectories(dir.resolve("videos"));
        Files.writeString(dir.resolve("videos/v1.mp4"), "x");
        Files.writeString(dir.resolve("videos/v2.mkv"), "x");
        Files.writeString(dir.resolve("generic_qa.json"), "[{\"video_name\": \"v1\", \"Q\": \"What happens?\", \"A\": \"A dog runs.\"}]");
        Files.writeString(dir.resolve("consistency_qa.json"), "[{\"video_name\": \"v2\", \"Q1\": \"Who sings?\", \"Q2\": \"Which person sings?\", \"A\": \"A girl.\"}]");
        VcgBenchPrompts vcg = new VcgBenchPrompts();
        List<BenchPrompt> ps = vcg.prompts(dir, GenerateOptions.defaults());
        assertEquals(3, ps.size());
        assertEquals(VCG_SYSTEM + " USER: <image>\n USER: What happens? ASSISTANT:", ps.get(0).rawPrompt());
        assertEquals(VCG_SYSTEM + " USER: <image>\n USER: Which person sings? ASSISTANT:", ps.get(2).rawPrompt());
        assertEquals(List.of("###", "USER"), vcg.extraStops());
        assertEquals(512, vcg.maxNewTokens());
        Path answers = dir.resolve("answers.jsonl");
        StringBuilder sb = new StringBuilder();
        String[] outs = {" It runs.</s>", "A girl sings.", "The girl."};
        for (int i = 0; i < 3; i++) sb.append(vcg.answerRow(ps.get(i), outs[i], "m", "I" + i)).append('\n');
        Files.writeString(answers, sb);
        vcg.finish(dir, answers, "m");
        JsonNode res = Jsonl.json(dir.resolve("inference_results.json"));
        assertEquals(2, res.size());
        assertEquals("It runs.", res.get(0).get("pred").asText());
        assertEquals("generic_qa", res.get(0).get("task_type").asText());
        JsonNode c = res.get(1);
        assertEquals("A girl sings.", c.get("pred").asText());
        assertEquals("The girl.", c.get("pred1").asText());
        assertEquals("Which person sings?", c.get("question").asText(), "the script's swap leaves Q2 in 'question'");
        assertEquals("Who sings?", c.get("question1").asText());
        assertEquals("A girl.", c.get("gt").asText());
    }

    @Test
    void pllavaChatMlConversationAndBadNames() {
        PllavaConversation c = PllavaConversation.byName("eval_mvbench_llavanext");
        assertEquals(VCG_SYSTEM + "<|im_end|>\n<|im_start|>user\n<image>\n<|im_end|>\n<|im_start|>user\nQ? x<|im_end|>\n<|im_start|>assistant\nBest option:(",
                c.prompt("Q?", null, "x", "Best option:("));
        EvalException e = assertThrows(EvalException.class, () -> PllavaConversation.byName("eval_nope"));
        assertTrue(e.getMessage().contains("eval_mvbench"), e.getMessage());
    }

    @Test
    void mmBenchAllRoundsAnswersAreScoredCircularlyWithTheirRotatedOptions() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mmb-score"));
        String img = java.util.Base64.getEncoder().encodeToString(new byte[] {1});
        Files.writeString(dir.resolve("mmbench_dev_20230712.tsv"), MMB_HEADER
                + "5\tWhich is red?\t\tapple\tsky\tgrass\t\tA\tcolor\t" + img + "\ts\tFP-S\t\tdev\n"
                + "6\tWhich is blue?\t\tapple\tsky\t\t\tB\tcolor\t" + img + "\ts\tFP-S\t\tdev\n");
        MmBenchPrompts b = new MmBenchPrompts();
        List<BenchPrompt> ps = b.prompts(dir, new GenerateOptions(null, null, true, "en", null));
        assertEquals(5, ps.size());
        // question 5 right in every round (the apple is at A, C, B), question 6 wrong in its second round
        String[] replies = {"A", "C", "B", "B", "B"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ps.size(); i++) sb.append(b.answerRow(ps.get(i), replies[i], "m", "I" + i)).append('\n');
        Files.createDirectories(dir.resolve("answers"));
        Files.writeString(dir.resolve("answers/m.jsonl"), sb);
        JsonNode m = Scorers.get("mmbench").score(dir, Scorer.ScoreOptions.none());
        assertEquals(0.5, m.get("overall").asDouble());
    }
}
