package io.llava4j.train.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class DemoDatasetTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sameSeedGivesTheSameFilesByteForByte(@TempDir Path tmp) throws Exception {
        DemoDataset.write(tmp.resolve("a"), 12, 4, 7, 64);
        DemoDataset.write(tmp.resolve("b"), 12, 4, 7, 64);
        DemoDataset.write(tmp.resolve("c"), 12, 4, 8, 64);
        List<Path> files;
        try (Stream<Path> s = Files.walk(tmp.resolve("a"))) { files = s.filter(Files::isRegularFile).toList(); }
        assertEquals(12 + 4 + 5, files.size()); // images, stage1/2/3, test, dataset
        for (Path f : files) {
            Path rel = tmp.resolve("a").relativize(f);
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(tmp.resolve("b").resolve(rel)), rel.toString());
        }
        assertNotEquals(Files.readString(tmp.resolve("a/stage2.json")), Files.readString(tmp.resolve("c/stage2.json")));
    }

    @Test
    void placementsAreUnambiguousAndShapesStayInTheirCells() {
        int size = 64;
        Set<Integer> counts = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            Scene s = DemoDataset.trainScene(3, i, size);
            counts.add(s.objects().size());
            Set<ShapeKind> kinds = new HashSet<>();
            Set<ShapeColor> colors = new HashSet<>();
            Set<Placement> places = new HashSet<>();
            for (SceneObject o : s.objects()) {
                assertTrue(kinds.add(o.kind()) & colors.add(o.color()) & places.add(o.placement()), "duplicate attribute in " + s);
                assertEquals(o.placement(), Placement.ofPoint(o.cx(), o.cy(), size), "centre outside its cell: " + o);
                double cell = size / 3.0;
                double x0 = o.placement().column * cell, y0 = o.placement().row * cell;
                assertTrue(o.cx() - o.halfExtent() >= x0 - 0.01 && o.cx() + o.halfExtent() <= x0 + cell + 0.01
                        && o.cy() - o.halfExtent() >= y0 - 0.01 && o.cy() + o.halfExtent() <= y0 + cell + 0.01, "shape leaves its cell: " + o);
            }
        }
        assertEquals(Set.of(1, 2, 3), counts);
    }

    @Test
    void renderedShapeCentresHaveTheirColourAndTheBackgroundIsLight() throws Exception {
        for (int i = 0; i < 50; i++) {
            Scene s = DemoDataset.testScene(11, i, 64);
            BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(SceneRenderer.png(s)));
            assertEquals(64, img.getWidth());
            for (SceneObject o : s.objects()) {
                assertEquals(o.rgb(), img.getRGB((int) o.cx(), (int) o.cy()) & 0xFFFFFF, "centre pixel of " + o);
            }
            int corner = img.getRGB(0, 0) & 0xFFFFFF;
            assertEquals(s.background(), corner);
            for (int shift : new int[]{16, 8, 0}) assertTrue(((corner >> shift) & 0xFF) >= 215, "background is not light");
        }
    }

    @Test
    void trainAndTestScenesComeFromDisjointSeeds() {
        Set<Long> train = new HashSet<>();
        for (int i = 0; i < 20000; i++) train.add(DemoDataset.sceneSeed(5, 0, i));
        for (int i = 0; i < 20000; i++) assertFalse(train.contains(DemoDataset.sceneSeed(5, 1, i)));
        assertEquals(20000, train.size());
    }

    @Test
    void filesAreInLlavaConversationFormat(@TempDir Path tmp) throws Exception {
        DemoDataset.Summary sum = DemoDataset.write(tmp, 200, 20, 1, 64);
        JsonNode stage1 = JSON.readTree(tmp.resolve("stage1.json").toFile());
        JsonNode stage2 = JSON.readTree(tmp.resolve("stage2.json").toFile());
        JsonNode test = JSON.readTree(tmp.resolve("test.json").toFile());
        assertEquals(200, stage1.size());
        assertEquals(200, stage2.size());
        JsonNode stage3 = JSON.readTree(tmp.resolve("stage3.json").toFile());
        assertEquals(400, stage3.size(), "captions then conversations");
        assertEquals(stage1.get(0), stage3.get(0));
        assertEquals(stage2.get(199), stage3.get(399));
        assertEquals(20 * QuestionType.values().length, test.size());
        assertEquals(sum.testQuestions(), test.size());
        int multiTurn = 0, turns = 0;
        for (JsonNode r : stage2) {
            assertTrue(Files.isRegularFile(tmp.resolve(r.get("image").asText())));
            JsonNode c = r.get("conversations");
            assertEquals(0, c.size() % 2);
            if (c.size() > 2) multiTurn++;
            turns += c.size() / 2;
            for (int t = 0; t < c.size(); t++) {
                assertEquals(t % 2 == 0 ? "human" : "gpt", c.get(t).get("from").asText());
                String v = c.get(t).get("value").asText();
                assertEquals(t == 0, v.startsWith("<image>\n"), v);
                assertEquals(t == 0 ? 1 : 0, v.split("<image>", -1).length - 1);
            }
        }
        assertEquals(sum.stage2Turns(), turns);
        assertTrue(multiTurn > 50 && multiTurn < 150, "multi-turn conversations: " + multiTurn);
        Set<String> types = new HashSet<>();
        for (JsonNode q : test) {
            types.add(q.get("type").asText());
            String expected = q.get("expected").asText();
            assertTrue(q.get("answer").asText().contains(expected), q.toString());
            assertTrue(q.get("id").asText().startsWith("test_"));
        }
        assertEquals(Set.of("color", "shape", "count", "position", "size", "describe"), types);
        assertTrue(stage1.get(0).get("conversations").get(1).get("value").asText().endsWith("."));
    }

    @Test
    void answersNameTheSceneWithThePlainWord() {
        Scene s = new Scene(0, 64, 0xF0F0F0, List.of(
                new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.SMALL, Placement.LEFT, 10, 32, 5, 0xDC2828),
                new SceneObject(ShapeKind.SQUARE, ShapeColor.BLUE, ShapeSize.LARGE, Placement.TOP, 32, 10, 9, 0x2850DC)));
        SplittableRandom rnd = new SplittableRandom(1);
        assertEquals("The circle is red.", DemoText.color(s.objects().get(0), rnd).answer());
        assertEquals("The square is at the top.", DemoText.position(s.objects().get(1), rnd).answer());
        assertEquals("There are two shapes.", DemoText.count(s, rnd).answer());
        assertEquals("The blue shape is a square.", DemoText.shape(s.objects().get(1), false, rnd).answer());
        assertEquals("There are two shapes: a small red circle on the left and a large blue square at the top.", DemoText.description(s));
    }

    @org.junit.jupiter.api.Test
    void minShapesTwoGivesOnlyTwoOrThreeShapes() {
        int[] counts = new int[4];
        for (int i = 0; i < 400; i++) {
            Scene multi = DemoDataset.trainScene(5, i, 64, 2);
            org.junit.jupiter.api.Assertions.assertTrue(multi.objects().size() >= 2, "scene " + i + " has " + multi.objects().size() + " shapes");
            counts[multi.objects().size()]++;
        }
        org.junit.jupiter.api.Assertions.assertTrue(counts[2] > 150 && counts[3] > 150, "2 and 3 shapes both common: " + java.util.Arrays.toString(counts));
    }
}
