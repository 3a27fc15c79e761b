package io.llava4j.train.demo;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.llava4j.train.demo.QuestionType.*;
import static org.junit.jupiter.api.Assertions.*;

class DemoEvaluationTest {

    @Test
    void rightWhenTheExpectedWordIsThereAndNoCompetitor() {
        assertTrue(AnswerScorer.correct(COLOR, "red", "The circle is red."));
        assertTrue(AnswerScorer.correct(COLOR, "red", "RED"));
        assertFalse(AnswerScorer.correct(COLOR, "red", "The circle is blue."));
        assertFalse(AnswerScorer.correct(COLOR, "red", "It is red or blue."));
        assertFalse(AnswerScorer.correct(COLOR, "red", "It is orange-red."), "a colour outside the demo vocabulary still competes");
        assertFalse(AnswerScorer.correct(COLOR, "red", "The circle is reddish."), "a word that only contains the colour is not the colour");
        assertTrue(AnswerScorer.correct(SHAPE, "circle", "It is a circle."));
        assertTrue(AnswerScorer.correct(SHAPE, "square", "The red shape is a square."));
        assertTrue(AnswerScorer.correct(SHAPE, "triangle", "Two triangles."), "plurals count");
        assertFalse(AnswerScorer.correct(SHAPE, "square", "A square and a circle."));
        assertFalse(AnswerScorer.correct(SHAPE, "square", "It is a rectangle."));
        assertTrue(AnswerScorer.correct(COUNT, "two", "There are two shapes."));
        assertTrue(AnswerScorer.correct(COUNT, "two", "2"));
        assertTrue(AnswerScorer.correct(COUNT, "one", "There is one shape."));
        assertFalse(AnswerScorer.correct(COUNT, "one", "There are 3 shapes."));
        assertFalse(AnswerScorer.correct(COUNT, "three", "There are two or three shapes."));
        assertTrue(AnswerScorer.correct(POSITION, "center", "The square is in the middle."));
        assertTrue(AnswerScorer.correct(POSITION, "center", "In the centre."));
        assertTrue(AnswerScorer.correct(POSITION, "left", "The square is on the left."));
        assertFalse(AnswerScorer.correct(POSITION, "left", "The square is at the top left."));
        assertFalse(AnswerScorer.correct(POSITION, "bottom", "The square is at the top."));
        assertTrue(AnswerScorer.correct(SIZE, "large", "It is big."));
        assertFalse(AnswerScorer.correct(SIZE, "small", "The circle is large."));
        assertFalse(AnswerScorer.correct(COLOR, "red", ""));
        assertThrows(IllegalArgumentException.class, () -> AnswerScorer.correct(COLOR, "circle", "a circle"));
    }

    @Test
    void descriptionsMustNameExactlyTheSceneColoursAndShapes() {
        List<AnswerScorer.SceneWords> scene = List.of(new AnswerScorer.SceneWords("circle", "red", "small", "left"),
                new AnswerScorer.SceneWords("square", "blue", "large", "top"));
        assertTrue(AnswerScorer.correctDescription(scene, "There are two shapes: a small red circle on the left and a large blue square at the top."));
        assertTrue(AnswerScorer.correctDescription(scene, "A blue square and a red circle."));
        assertFalse(AnswerScorer.correctDescription(scene, "A red circle."), "misses the square");
        assertFalse(AnswerScorer.correctDescription(scene, "A red circle, a blue square and a green triangle."), "adds a triangle");
    }

    @Test
    void evaluatesTheRandomInitDemoModelThroughTheChatApi(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model"), data = tmp.resolve("data");
        DemoModel.write(model, DemoModelSpec.defaults(), 1);
        DemoDataset.write(data, 0, 2, 5, 64);
        int[] seen = {0};
        DemoEvaluation.Report r = DemoEvaluation.run(model, data, 0, 8, g -> seen[0]++);
        assertEquals(12, seen[0]);
        assertEquals(12, r.graded().size());
        System.out.print("[info] random-init demo model on 2 held-out scenes:\n" + r.table());
        for (DemoEvaluation.Graded g : r.graded()) assertEquals(DemoEvaluation.grade(g.question(), g.answer()), g.correct());
        assertEquals(6, r.byType().size());
        for (int[] c : r.byType().values()) assertEquals(2, c[1]);
        JsonNode json = r.json();
        assertEquals(2, json.get("accuracy").get("color").get("asked").asInt());
        assertEquals(12, json.get("answers").size());
        assertTrue(r.table().lines().anyMatch(l -> l.startsWith("all") && l.contains("12")), r.table());
        // the same rows scored with hand-made answers: all right, then all wrong
        List<DemoEvaluation.TestQuestion> qs = DemoEvaluation.readQuestions(data);
        for (DemoEvaluation.TestQuestion q : qs) {
            String reference = q.type() == DESCRIBE ? q.expected() : "It is " + q.expected() + ".";
            assertTrue(DemoEvaluation.grade(q, reference), q.toString());
            assertFalse(DemoEvaluation.grade(q, "I do not know."), q.toString());
        }
    }
}
