"""Fine-tuning pipeline: dataset readers, build, config, training, registration."""
