/**
 * The data layer's public surface: readers (npy/npz, Occ3D, lidar), BEV builders, sequences,
 * the procedural scene, training datasets. Plain Node; imports nothing above `data/`.
 */
export type { BevFrame, ClassInfo, EgoPose, FrameEncoding, FrameSequence, SourceKind } from './frame';
export { DataError } from './errors';
export { encodeNpy, formatShape, parseNpy, readNpy, shapeSize, toFloat32, toInt32, writeNpy } from './npy';
export type { NpyArray, NpyData, NpyDtype } from './npy';
export { listNpzMembers, parseNpz, readNpz } from './npz';
export { CLS, classChannelNames, classEncoding, FREE_CLASS, NUM_CLASSES, NUSCENES_ATTRIBUTION, NUSCENES_CLASSES } from './palette';
export { findNonFinite, labelsOf, oneHot, topDownLabelsOf, unravelIndex } from './frame-utils';
export type { NonFiniteReport } from './frame-utils';
export { BEV_CONVENTION, centredGrid, describeGrid, gridShape } from './bev-grid';
export type { BevGrid } from './bev-grid';
export { countOccupied, OCC3D_NUSCENES_GRID, occupancyFromArrays, readOcc3d } from './occ3d';
export type { Occupancy, OccupancyGrid, ReadOccupancyOptions } from './occ3d';
export { occupancyToBev } from './occupancy-bev';
export type { OccupancyBevOptions } from './occupancy-bev';
export { parseLidarBin, pointCloudFromArray, readPointCloud, readPointLabels } from './lidar';
export type { PointCloud, PointLayout } from './lidar';
export { DEFAULT_LIDAR_GRID, DEFAULT_Z_RANGE, lidarChannelNames, rasterizeLidar } from './lidar-bev';
export type { LidarBevOptions, LidarChannel } from './lidar-bev';
export { compose, egoToReference, invert, quaternionToMatrix, transformFromPose } from './pose';
export type { RigidTransform } from './pose';
export { alignFrame, alignSequence } from './bev-align';
export { lazySequence, naturalCompare } from './sequence';
export type { CacheOptions, LazySequence, LazySequenceSpec } from './sequence';
export { checkFinite, frameFromArray, sequenceFromArray } from './array-sequence';
export { isLidarSampleFolder, openLidarFiles, openLidarSample, readLidarSampleMeta } from './lidar-sequence';
export type { LidarSequenceOptions } from './lidar-sequence';
export { openOccupancyFiles } from './occupancy-sequence';
export { openPath } from './open-path';
export type { OpenOptions } from './open-path';
export { createProceduralSequence, ProceduralScene, PROCEDURAL_EXTENT_M, PROCEDURAL_FRAME_INTERVAL_US } from './procedural-scene';
export type { ProceduralOptions } from './procedural-scene';
export { BevDataset, computeChannelStats, continuousChannels, normalise, splitTrainVal } from './dataset';
export type { Batch, BatchOptions, ChannelStats, FrameRef, Split } from './dataset';
export type { DatasetFrameRef, DatasetIndex, DatasetScene, DatasetSourceInfo } from './dataset-index';
export { findDataset } from './dataset-listing';
export { datasetSourceInfo, openDatasetScene, openDatasetSplit, pickScene, scenesOfSplit } from './dataset-scene';
export type { SceneOpenOptions } from './dataset-scene';
export { findOcc3dDataset, UNORDERED_WARNING } from './occ3d-dataset';
export { parseOcc3dAnnotations, readOcc3dAnnotations } from './occ3d-annotations';
export type { Occ3dAnnotations, Occ3dFrameInfo } from './occ3d-annotations';
export { voxelMasksOf } from './occupancy-masks';
export type { VoxelMasks } from './frame';
