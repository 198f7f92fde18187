"""Makes the reframe fixtures (deterministic; needs numpy and Pillow):

    python3 Fixtures/reframe/make_reframe_fixtures.py

- scene-offcentre.jpg: 1200x800, one figure in the box x=820 y=250 w=180 h=480, q90.
- scene-two.jpg: 1200x800, figures in x=120 y=260 w=170 h=460 and x=900 y=240 w=170 h=480, q90.
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "Benchmarks", "reframe"))
import scenes  # noqa: E402

scenes.save(scenes.scene(1200, 800, [(820, 250, 180, 480)], seed=1),
            os.path.join(here, "scene-offcentre.jpg"))
scenes.save(scenes.scene(1200, 800, [(120, 260, 170, 460), (900, 240, 170, 480)], seed=2),
            os.path.join(here, "scene-two.jpg"))
