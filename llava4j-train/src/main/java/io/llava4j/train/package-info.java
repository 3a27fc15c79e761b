/**
 * Training downstream of the engine: data (LLaVA conversation JSON, templates and label masking), forward/backward
 * pairs per layer, the optimizer and the loop, and the synthetic shapes dataset the bundled demo model is trained on.
 * Base weights stay memory-mapped and read-only; trainable parts have their own buffers.
 */
package io.llava4j.train;
