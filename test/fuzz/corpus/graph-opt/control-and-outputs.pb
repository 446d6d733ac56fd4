

initNoOp
s
xPlaceholder"/device:CPU:0*
shape:ÿÿÿÿÿÿÿÿÿ*
dtype0*'
_output_shapes
:ÿÿÿÿÿÿÿÿÿ
O
splitUnpackx^init*

axis*
_class

loc:@x*
T0*	
num
,
zeroZeroOutsplit:1^init^x*
T0
 
useIdentityzero:2*
T0