"""``make bench``: each figure beside the limit it is compared with, measured in the same run."""
