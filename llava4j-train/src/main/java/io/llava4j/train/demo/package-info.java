/**
 * The bundled demo model's world: synthetic scenes of coloured shapes ({@link io.llava4j.train.demo.SceneGenerator},
 * {@link io.llava4j.train.demo.SceneRenderer}), their captions and questions ({@link io.llava4j.train.demo.DemoText}),
 * the dataset writer ({@link io.llava4j.train.demo.DemoDataset}), a small SentencePiece tokenizer trained on them
 * ({@link io.llava4j.train.demo.DemoTokenizer}), the model folder with random initial weights
 * ({@link io.llava4j.train.demo.DemoModel}) and the held-out scorer ({@link io.llava4j.train.demo.DemoEvaluation}).
 * See docs/TRAINING-DEMO.md.
 */
package io.llava4j.train.demo;
