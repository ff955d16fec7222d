
ž
test_concat_2d_axis_1!bnn4j onnx import of backend-test@ac54d09c1c4611908b75e940187d715d12f03eb2786e079950570d02d18472d3 *
value0*
value1f

value0

value1
output*4
Concat_0Concatvalue0value1"output*
axis