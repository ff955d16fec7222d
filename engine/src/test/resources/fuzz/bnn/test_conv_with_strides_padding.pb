
°
test_conv_with_strides_padding!bnn4j onnx import of backend-test@b29cad6648048ca4247d633de80ea83be9891557d5ef8063138b2784763f5943 *
x*
WÅ

x

W
y*X
Conv_0Conv2dxW"y*
strides*
*
pads*
*
	dilations*
*	
group