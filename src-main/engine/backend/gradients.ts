/**
 * tfjs-core's Node build ships no gradient functions: they are registered by the union package's
 * bundle (its `dist/register_all_gradients` is ESM with directory imports that Node cannot load).
 * Importing the union package once registers every gradient into tfjs' global registry, which all
 * copies of tfjs-core share. Import this module before any tf.grads / optimizer use.
 */
import '@tensorflow/tfjs';
