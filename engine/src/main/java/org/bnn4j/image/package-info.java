/**
 * Image preprocessing for model inputs: decoding with javax.imageio under a pixel limit, colour
 * conversion, bilinear resizing and normalisation as the model's InputSpec describes.
 */
package org.bnn4j.image;
