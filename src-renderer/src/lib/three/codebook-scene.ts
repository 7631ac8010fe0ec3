/**
 * The codebook in 3D: every code one point (no sampling; 65,536 is one draw call), sized and
 * coloured per code, dead codes drawn as red rings, the selected and hovered codes as rings on top.
 * A plain class the Svelte panel creates, resizes and disposes; it renders on demand (after a
 * change or a camera move), never in a permanent loop.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { pickNearestOnScreen } from '../logic/projection';

const POINT_VERTEX = /* glsl */ `
  attribute float psize;
  attribute vec3 pcolor;
  attribute float pdead;
  uniform float pixelRatio;
  varying vec3 vColor;
  varying float vDead;
  void main() {
    vColor = pcolor;
    vDead = pdead;
    gl_PointSize = psize * pixelRatio * (pdead > 0.5 ? 1.4 : 1.0);
    gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
  }
`;

const POINT_FRAGMENT = /* glsl */ `
  varying vec3 vColor;
  varying float vDead;
  void main() {
    vec2 d = gl_PointCoord - vec2(0.5);
    float r = length(d) * 2.0;
    if (r > 1.0) discard;
    if (vDead > 0.5) {
      if (r < 0.55) discard;
      gl_FragColor = vec4(0.95, 0.3, 0.3, 1.0);
    } else {
      gl_FragColor = vec4(vColor * (1.0 - 0.25 * r * r), 1.0);
    }
  }
`;

const RING_VERTEX = /* glsl */ `
  uniform float pixelRatio;
  uniform float size;
  void main() {
    gl_PointSize = size * pixelRatio;
    gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
  }
`;

const RING_FRAGMENT = /* glsl */ `
  uniform vec3 ringColor;
  void main() {
    float r = length(gl_PointCoord - vec2(0.5)) * 2.0;
    if (r > 1.0 || r < 0.62) discard;
    gl_FragColor = vec4(ringColor, 1.0);
  }
`;

export interface CodebookPoints {
  /** `[n, 3]` positions, roughly in the unit ball. */
  positions: Float32Array;
  /** `[n, 3]` sRGB bytes. */
  colors: Uint8Array;
  /** `[n]` point sizes in CSS pixels. */
  sizes: Float32Array;
  /** `[n]` 1 for dead codes. */
  dead: Uint8Array;
}

export class CodebookScene {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private readonly material: THREE.ShaderMaterial;
  private readonly ringMaterials: THREE.ShaderMaterial[] = [];
  private points: THREE.Points | null = null;
  private readonly selected: THREE.Points;
  private readonly hovered: THREE.Points;
  private positions: Float32Array = new Float32Array(0);
  /** Positions picking sees: hidden rows (the "used codes only" filter) are NaN, so never picked. */
  private pickPositions: Float32Array = new Float32Array(0);
  private neighbours: THREE.Points | null = null;
  private count = 0;
  private width = 1;
  private height = 1;
  private frameRequested = false;
  private disposed = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    // preserveDrawingBuffer: the canvas can be read back (screenshots, tests) after it was shown.
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setClearColor(0x111317, 1);
    this.material = new THREE.ShaderMaterial({
      vertexShader: POINT_VERTEX,
      fragmentShader: POINT_FRAGMENT,
      uniforms: { pixelRatio: { value: 1 } },
    });
    this.selected = this.makeRing(0xffffff, 18);
    this.hovered = this.makeRing(0xffd60a, 14);
    const axes = new THREE.AxesHelper(0.25);
    (axes.material as THREE.LineBasicMaterial).transparent = true;
    (axes.material as THREE.LineBasicMaterial).opacity = 0.35;
    this.scene.add(axes);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => this.requestRender());
    this.resetView();
  }

  private makeRing(color: number, size: number): THREE.Points {
    const mat = new THREE.ShaderMaterial({
      vertexShader: RING_VERTEX,
      fragmentShader: RING_FRAGMENT,
      uniforms: { pixelRatio: { value: 1 }, size: { value: size }, ringColor: { value: new THREE.Color(color) } },
      depthTest: false,
      transparent: true,
    });
    this.ringMaterials.push(mat);
    const geo = new THREE.BufferGeometry();
    geo.setAttribute('position', new THREE.BufferAttribute(new Float32Array(3), 3));
    const p = new THREE.Points(geo, mat);
    p.visible = false;
    p.renderOrder = 10;
    p.frustumCulled = false;
    this.scene.add(p);
    return p;
  }

  setPoints(data: CodebookPoints): void {
    const n = data.sizes.length;
    if (data.positions.length < n * 3 || data.colors.length < n * 3 || data.dead.length < n) {
      throw new Error(`CodebookScene.setPoints: arrays do not describe ${n} points`);
    }
    if (this.points) {
      this.scene.remove(this.points);
      this.points.geometry.dispose();
    }
    const geo = new THREE.BufferGeometry();
    geo.setAttribute('position', new THREE.BufferAttribute(data.positions, 3));
    geo.setAttribute('pcolor', new THREE.BufferAttribute(data.colors, 3, true));
    geo.setAttribute('psize', new THREE.BufferAttribute(data.sizes, 1));
    geo.setAttribute('pdead', new THREE.BufferAttribute(new Float32Array(data.dead), 1));
    this.points = new THREE.Points(geo, this.material);
    this.points.frustumCulled = false;
    this.scene.add(this.points);
    this.positions = data.positions;
    this.pickPositions = data.positions;
    this.count = n;
    this.requestRender();
  }

  /** Removes every point (no codebook for the current data). */
  clear(): void {
    if (this.points) {
      this.scene.remove(this.points);
      this.points.geometry.dispose();
      this.points = null;
    }
    this.positions = new Float32Array(0);
    this.count = 0;
    this.selected.visible = false;
    this.hovered.visible = false;
    this.requestRender();
  }

  /** Updates colours and sizes without rebuilding positions (colour / size mode switches). */
  setStyle(colors: Uint8Array, sizes: Float32Array): void {
    if (!this.points) return;
    const geo = this.points.geometry;
    geo.setAttribute('pcolor', new THREE.BufferAttribute(colors, 3, true));
    geo.setAttribute('psize', new THREE.BufferAttribute(sizes, 1));
    this.requestRender();
  }

  private placeRing(ring: THREE.Points, row: number): void {
    if (row < 0 || row >= this.count) {
      ring.visible = false;
    } else {
      const attr = ring.geometry.getAttribute('position') as THREE.BufferAttribute;
      attr.setXYZ(0, this.positions[row * 3]!, this.positions[row * 3 + 1]!, this.positions[row * 3 + 2]!);
      attr.needsUpdate = true;
      ring.visible = true;
    }
    this.requestRender();
  }

  /** Rings (cyan) on the selected code's nearest neighbours; an empty list removes them. */
  setNeighbours(rows: number[]): void {
    if (this.neighbours) {
      this.scene.remove(this.neighbours);
      this.neighbours.geometry.dispose();
      this.neighbours = null;
    }
    const valid = rows.filter((r) => r >= 0 && r < this.count);
    if (valid.length) {
      const pos = new Float32Array(valid.length * 3);
      valid.forEach((r, i) => pos.set(this.positions.subarray(r * 3, r * 3 + 3), i * 3));
      const geo = new THREE.BufferGeometry();
      geo.setAttribute('position', new THREE.BufferAttribute(pos, 3));
      const ring = this.ringMaterials.find((m) => m.userData['neighbours']) ?? this.neighbourMaterial();
      this.neighbours = new THREE.Points(geo, ring);
      this.neighbours.renderOrder = 9;
      this.neighbours.frustumCulled = false;
      this.scene.add(this.neighbours);
    }
    this.requestRender();
  }

  private neighbourMaterial(): THREE.ShaderMaterial {
    const mat = new THREE.ShaderMaterial({
      vertexShader: RING_VERTEX,
      fragmentShader: RING_FRAGMENT,
      uniforms: { pixelRatio: { value: this.material.uniforms['pixelRatio']!.value as number }, size: { value: 13 }, ringColor: { value: new THREE.Color(0x3ad6e0) } },
      depthTest: false,
      transparent: true,
    });
    mat.userData['neighbours'] = true;
    this.ringMaterials.push(mat);
    return mat;
  }

  /** Rows that picking skips (drawn at size 0 by the caller). */
  setHidden(hidden: Uint8Array | null): void {
    if (!hidden) {
      this.pickPositions = this.positions;
      return;
    }
    const p = this.positions.slice();
    for (let r = 0; r < Math.min(hidden.length, this.count); r++) if (hidden[r]) p[r * 3] = p[r * 3 + 1] = p[r * 3 + 2] = Number.NaN;
    this.pickPositions = p;
  }

  setSelected(row: number): void {
    this.placeRing(this.selected, row);
  }

  setHovered(row: number): void {
    this.placeRing(this.hovered, row);
  }

  /** The screen position (CSS pixels) of a row, for tests and tooltips; null when behind the camera. */
  screenOf(row: number): { x: number; y: number } | null {
    if (row < 0 || row >= this.count) return null;
    const v = new THREE.Vector3(this.positions[row * 3]!, this.positions[row * 3 + 1]!, this.positions[row * 3 + 2]!);
    v.project(this.camera);
    if (v.z > 1) return null;
    return { x: ((v.x + 1) / 2) * this.width, y: ((1 - v.y) / 2) * this.height };
  }

  /** The row under a canvas position (CSS pixels), or -1. */
  pick(x: number, y: number, radius = 8): number {
    this.camera.updateMatrixWorld();
    const mvp = new THREE.Matrix4().multiplyMatrices(this.camera.projectionMatrix, this.camera.matrixWorldInverse);
    return pickNearestOnScreen(this.pickPositions, this.count, mvp.elements, this.width, this.height, x, y, radius);
  }

  resize(width: number, height: number, pixelRatio: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.renderer.setPixelRatio(pixelRatio);
    this.renderer.setSize(this.width, this.height, false);
    this.camera.aspect = this.width / this.height;
    this.camera.updateProjectionMatrix();
    this.material.uniforms['pixelRatio']!.value = pixelRatio;
    for (const m of this.ringMaterials) m.uniforms['pixelRatio']!.value = pixelRatio;
    this.requestRender();
  }

  resetView(): void {
    this.camera.position.set(1.6, 1.2, 2.2);
    this.controls.target.set(0, 0, 0);
    this.controls.update();
    this.requestRender();
  }

  /** Coalesces render requests into one per animation frame. */
  requestRender(): void {
    if (this.frameRequested || this.disposed) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      if (!this.disposed) this.render();
    });
  }

  render(): void {
    this.renderer.render(this.scene, this.camera);
  }

  /**
   * Renders `frames` times orbiting the camera a little each time and waits for the GPU to finish
   * (a pixel read-back), returning the milliseconds per frame: the figure the UI bench prints.
   */
  measureFrameTime(frames: number): number {
    const gl = this.renderer.getContext();
    const px = new Uint8Array(4);
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      this.camera.position.applyAxisAngle(new THREE.Vector3(0, 1, 0), 0.01);
      this.camera.lookAt(this.controls.target);
      this.render();
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    }
    return (performance.now() - t0) / frames;
  }

  get pointCount(): number {
    return this.count;
  }

  dispose(): void {
    this.disposed = true;
    this.controls.dispose();
    this.points?.geometry.dispose();
    this.selected.geometry.dispose();
    this.hovered.geometry.dispose();
    this.material.dispose();
    for (const m of this.ringMaterials) m.dispose();
    this.renderer.dispose();
  }
}
