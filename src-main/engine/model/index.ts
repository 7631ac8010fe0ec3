export { architecture, validateModelConfig, type Architecture, type ConvLayer } from './architecture';
export { ConvNet } from './conv-net';
export { mseLoss, classCrossEntropy, reconstructionLoss, toFrameSpace } from './losses';
