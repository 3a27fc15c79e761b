#!/usr/bin/env bash
# Trains the bundled demo model (models/llava4j-demo) from nothing, with llava4j only, as it was trained for the
# repository: synthetic data, random initial weights, four training stages, held-out scoring, F16 copy.
# Usage: scripts/train-demo-model.sh [WORK_DIR]   (default: demo-work; about 85 minutes on 2 cores, 1.3 GiB RSS)
# Resumable: rerun the same command after an interruption; finished stages are skipped, a stage in progress
# continues from its last checkpoint (every 100-250 steps). Recipe and measurements: docs/TRAINING-DEMO.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
L="$ROOT/llava4j"
W="${1:-demo-work}"
mkdir -p "$W"
cd "$W"
resume() { [ -d "$1" ] && ls "$1" | grep -q '^checkpoint-' && echo --resume || true; }
ALL=mm_vision_tower,mm_mlp_adapter,mm_language_model

[ -f demo-data/dataset.json ] || "$L" make-demo-data --out demo-data --train 10000 --test 200 --seed 0
[ -f demo-init/config.json ] || "$L" make-demo-model --out demo-init --seed 0

# Stage 1: captions ("plain"), the randomly initialised ViT frozen. Its random features already separate colours; a
# tower trained from the first step (at 1e-3) collapsed before the language model learned to read it.
[ -f stage1/config.json ] || "$L" train --model_name_or_path demo-init --version plain \
    --data_path demo-data/stage1.json --image_folder demo-data --mm_tunable_parts mm_mlp_adapter,mm_language_model \
    --learning_rate 1e-3 --num_train_epochs 1 --per_device_train_batch_size 16 --lr_scheduler_type cosine \
    --warmup_ratio 0.03 --output_dir stage1 --save_steps 100 --log-file stage1-log.jsonl $(resume stage1)

# Stage 2: conversations ("v1"), everything trained, the tower slowly.
[ -f stage2/config.json ] || "$L" train --model_name_or_path stage1 --version v1 \
    --data_path demo-data/stage2.json --image_folder demo-data --mm_tunable_parts $ALL --mm_vision_tower_lr 5e-5 \
    --learning_rate 5e-4 --num_train_epochs 2 --per_device_train_batch_size 16 --lr_scheduler_type cosine \
    --warmup_ratio 0.03 --output_dir stage2 --save_steps 100 --log-file stage2-log.jsonl $(resume stage2)

# Stage 3: captions and conversations together, the tower faster (it still had to learn shapes).
[ -f stage3/config.json ] || "$L" train --model_name_or_path stage2 --version v1 \
    --data_path demo-data/stage3.json --image_folder demo-data --mm_tunable_parts $ALL --mm_vision_tower_lr 2e-4 \
    --learning_rate 3e-4 --num_train_epochs 2 --per_device_train_batch_size 16 --lr_scheduler_type cosine \
    --warmup_ratio 0.03 --output_dir stage3 --save_steps 250 --log-file stage3-log.jsonl $(resume stage3)

# Stage 4: one epoch over freshly drawn pictures (seed 1, so nothing is seen twice), the tower at half stage 3's rate.
[ -f demo-data-s1/dataset.json ] || "$L" make-demo-data --out demo-data-s1 --train 10000 --test 200 --seed 1
[ -f stage4/config.json ] || "$L" train --model_name_or_path stage3 --version v1 \
    --data_path demo-data-s1/stage3.json --image_folder demo-data-s1 --mm_tunable_parts $ALL --mm_vision_tower_lr 1e-4 \
    --learning_rate 2e-4 --num_train_epochs 1 --per_device_train_batch_size 16 --lr_scheduler_type cosine \
    --warmup_ratio 0.03 --output_dir stage4 --save_steps 250 --log-file stage4-log.jsonl $(resume stage4)

# Scored on the seed-0 test split (pictures no stage trained on).
[ -f stage4-heldout.json ] || "$L" demo-eval --model stage4 --data demo-data --out stage4-heldout.json
[ -d llava4j-demo ] || { "$L" convert --model stage4 --out llava4j-demo --dtype f16 && rm -f llava4j-demo/mm_projector.safetensors; }
echo "demo model: $W/llava4j-demo (held-out scores: $W/stage4-heldout.json)"
